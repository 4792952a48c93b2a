/**
 * What a wallet front end does between `/auth/nonce` and `/auth/login`: build the SIWE message
 * for this site (domain = the page's host) and sign it. Used by `sign.ts` (curl walkthrough),
 * the scripted demo and the tests; the browser page does the same with `window.ethereum`.
 */

import type { NonceResponse, SigningMessageContext } from 'picket-core'
import { createSigningMessage } from 'picket-core'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export interface LoginBody {
  chain: string
  walletAddress: string
  signature: Hex
  context: SigningMessageContext
}

export interface SignedLogin {
  /** The exact text the wallet signed. */
  message: string
  /** The body for `POST /auth/login`. */
  body: LoginBody
}

export interface SignLoginInput {
  privateKey: Hex
  /** The answer of `POST /auth/nonce`. */
  nonce: NonceResponse
  /** The site's origin, e.g. `http://127.0.0.1:3000`: SIWE `domain` is its host, `uri` the origin. */
  appUrl: string
  chain: string
  chainId: number
  /** Default: now. */
  issuedAt?: string
}

export async function signLogin(input: SignLoginInput): Promise<SignedLogin> {
  const account = privateKeyToAccount(input.privateKey)
  const origin = new URL(input.appUrl)
  const context = {
    domain: origin.host,
    uri: origin.origin,
    issuedAt: input.issuedAt ?? new Date().toISOString(),
    chainId: input.chainId,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({
    format: input.nonce.format,
    statement: input.nonce.statement,
    nonce: input.nonce.nonce,
    walletAddress: account.address,
    ...context,
  })
  const signature = await account.signMessage({ message })
  return { message, body: { chain: input.chain, walletAddress: account.address, signature, context } }
}
