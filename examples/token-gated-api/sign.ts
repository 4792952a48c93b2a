/**
 * Signs like a wallet, for the curl walkthrough (run from the repository root):
 *
 *   # the /auth/login body for a nonce answer read from stdin (the SIWE message goes to stderr)
 *   curl -s … /auth/nonce … | npx tsx examples/token-gated-api/sign.ts --key 0xKEY --app http://127.0.0.1:3000
 *
 *   # the EIP-191 (personal_sign) signature of any message
 *   npx tsx examples/token-gated-api/sign.ts --key 0xKEY --message 'text to sign'
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { NonceResponse } from 'picket-core'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { CHAIN } from './project.js'
import { signLogin } from './siwe-login.js'

const USAGE = `Usage:
  sign.ts --key 0xPRIVATE_KEY --app http://127.0.0.1:3000 [--chain localhost] [--chain-id 1337] < nonce.json
      prints the POST /auth/login body for the /auth/nonce answer on stdin (SIWE message on stderr)
  sign.ts --key 0xPRIVATE_KEY --message 'text'
      prints the personal_sign (EIP-191) signature of the text`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      key: { type: 'string' },
      app: { type: 'string' },
      message: { type: 'string' },
      chain: { type: 'string', default: CHAIN },
      'chain-id': { type: 'string', default: '1337' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.key || (!values.app && values.message === undefined)) {
    process.stderr.write(`${USAGE}\n`)
    process.exitCode = values.help ? 0 : 2
    return
  }
  const privateKey = values.key as Hex
  if (values.message !== undefined) {
    const signature = await privateKeyToAccount(privateKey).signMessage({ message: values.message })
    process.stdout.write(`${signature}\n`)
    return
  }
  const nonce = JSON.parse(readFileSync(0, 'utf8')) as NonceResponse
  if (typeof nonce.nonce !== 'string')
    throw new Error(`stdin is not an /auth/nonce answer: ${JSON.stringify(nonce)}`)
  const { message, body } = await signLogin({
    privateKey,
    nonce,
    appUrl: values.app!,
    chain: values.chain,
    chainId: Number(values['chain-id']),
  })
  process.stderr.write(`Signed this SIWE message:\n\n${message}\n\n`)
  process.stdout.write(`${JSON.stringify(body)}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`sign.ts: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
