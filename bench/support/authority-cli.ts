/**
 * The bundled authority's CLI in a process of its own, for the benches that measure it
 * (authority-throughput, login-throughput), and the signed logins they send it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createSigningMessage } from 'picket-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { generateSigningJwk } from '../../packages/authority/src/tokens/signing-key.js'
import { siweContext } from '../../test/authority/support/wallets.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const TSX = here('../../node_modules/tsx/dist/esm/index.mjs')
const REPO = here('../..')

/** A positive number from the environment, or `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

/** The benches' project: a SIWE project signed in to from `localhost:3000`. */
export const BENCH_CLI_PROJECT = {
  id: 'bench',
  publishableKey: 'pk_bench',
  secretKey: 'sk_bench',
  statement: 'Sign in to Bench',
  allowedDomains: ['localhost:3000'],
}
/** Every bench request: the project's secret key, JSON. */
export const BENCH_CLI_HEADERS = {
  authorization: `Basic ${Buffer.from(BENCH_CLI_PROJECT.secretKey).toString('base64')}`,
  'content-type': 'application/json',
}

export interface AuthorityCli {
  url: string
  child: ChildProcess
  /** What the process wrote to stderr so far (empty when `stderr: 'inherit'`). */
  stderr(): string
}

/**
 * Starts `picket-authority --config <file> --port 0` with the bench project, a fresh signing key
 * and a long nonce TTL (nonces prepared before a timed run must still be alive during it), plus
 * `config`. `tree` is the checkout whose CLI runs (default this one).
 */
export async function startAuthorityCli(
  options: {
    config?: Record<string, unknown>
    tree?: string
    workers?: number
    stderr?: 'inherit' | 'capture'
    label?: string
  } = {},
): Promise<AuthorityCli> {
  const dir = mkdtempSync(join(os.tmpdir(), 'picket-bench-'))
  const config = join(dir, 'config.json')
  writeFileSync(
    config,
    JSON.stringify({
      projects: [BENCH_CLI_PROJECT],
      signingKey: await generateSigningJwk(),
      nonceTTL: 900,
      ...options.config,
    }),
  )
  const cli = join(options.tree ?? REPO, 'packages/authority/src/cli.ts')
  const args = ['--conditions=picket-source', '--import', TSX, cli, '--config', config, '--port', '0']
  if ((options.workers ?? 1) > 1) args.push('--workers', String(options.workers))
  const capture = options.stderr === 'capture'
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', capture ? 'pipe' : 'inherit'] })
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) =>
      reject(new Error(`${options.label ?? 'authority'}: exited with ${code}${stderr ? `\n${stderr}` : ''}`)),
    )
  })
  return { url: line.replace('Picket authority listening on ', ''), child, stderr: () => stderr }
}

/** SIGTERM, and wait until the process (and with `--workers`, its workers) is gone. */
export async function stopAuthorityCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** Signed `/auth` bodies for fresh wallets, each with its own live nonce, 50 prepared at a time. */
export async function prepareSignedLogins(url: string, count: number): Promise<string[]> {
  const bodies: string[] = []
  for (let start = 0; start < count; start += 50) {
    const size = Math.min(50, count - start)
    const batch = await Promise.all(
      Array.from({ length: size }, async () => {
        const account = privateKeyToAccount(generatePrivateKey())
        const res = await fetch(`${url}/auth/nonce`, {
          method: 'POST',
          headers: BENCH_CLI_HEADERS,
          body: JSON.stringify({ chain: 'ethereum', walletAddress: account.address }),
        })
        const { nonce, statement } = (await res.json()) as { nonce: string; statement: string }
        const context = siweContext()
        const message = createSigningMessage({
          format: 'siwe',
          statement,
          walletAddress: account.address,
          nonce,
          ...context,
        })
        return JSON.stringify({
          chain: 'ethereum',
          walletAddress: account.address,
          signature: await account.signMessage({ message }),
          requirements: {},
          context,
        })
      }),
    )
    bodies.push(...batch)
  }
  return bodies
}
