import { ed25519 } from '@noble/curves/ed25519.js'
import { base58 } from '@scure/base'
import { createSigningMessage } from 'picket-core'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import type { TestAuthority } from './authority.js'

/** A fresh EVM wallet (real secp256k1 key, viem signing). */
export function evmWallet(): PrivateKeyAccount {
  return privateKeyToAccount(generatePrivateKey())
}

/** A fresh Solana wallet (real ed25519 key pair); signs like wallet-adapter + bs58 (§4.5). */
export function solanaWallet() {
  const secretKey = ed25519.utils.randomSecretKey()
  const address = base58.encode(ed25519.getPublicKey(secretKey))
  return {
    address,
    sign: (message: string) => base58.encode(ed25519.sign(new TextEncoder().encode(message), secretKey)),
  }
}

/** SIWE context as picket-js' connect modal sends it (key order included, §2.2). */
export function siweContext(overrides: Record<string, unknown> = {}) {
  return {
    domain: 'localhost:3000',
    uri: 'http://localhost:3000',
    issuedAt: new Date().toISOString(),
    chainId: 1,
    chainType: 'ethereum',
    locale: 'en-US',
    ...overrides,
  }
}

export interface SignedLogin {
  body: Record<string, unknown>
  nonce: string
  message: string
}

/**
 * Gets a nonce and signs the message a front end would build, returning the `/auth` body.
 * Nothing is submitted: tests decide how (and how often) to send it.
 */
export async function prepareEvmLogin(
  authority: TestAuthority,
  account: PrivateKeyAccount,
  options: {
    chain?: string
    auth?: string
    context?: Record<string, unknown>
    requirements?: Record<string, unknown>
    format?: 'simple' | 'siwe'
    walletAddress?: string
  } = {},
): Promise<SignedLogin> {
  const chain = options.chain ?? 'ethereum'
  const walletAddress = options.walletAddress ?? account.address
  const nonceResponse = await authority.call('POST', 'auth/nonce', {
    body: { chain, walletAddress, locale: 'en-US' },
    ...(options.auth ? { auth: options.auth } : {}),
  })
  if (nonceResponse.status !== 200) throw new Error(`nonce failed: ${JSON.stringify(nonceResponse.body)}`)
  const { nonce, statement, format } = nonceResponse.body as {
    nonce: string
    statement: string
    format: 'simple' | 'siwe'
  }
  const context = options.context ?? siweContext()
  const message = createSigningMessage({
    format: options.format ?? format,
    statement,
    walletAddress,
    nonce,
    domain: context.domain as string,
    uri: context.uri as string,
    chainId: context.chainId as number,
    issuedAt: context.issuedAt as string,
    chainType: context.chainType as string,
  })
  const signature = await account.signMessage({ message })
  return {
    nonce,
    message,
    body: {
      chain,
      walletAddress,
      signature,
      requirements: options.requirements ?? {},
      context,
    },
  }
}
