/**
 * What a picket-js front end does between `/auth/nonce` and `/auth`: ask for a nonce, build the
 * SIWE (or simple) message with core's `createSigningMessage`, and sign it with a real wallet.
 * One implementation for the tests, benchmarks and examples that need real logins.
 */

import type { AuthRequest, RequirementsInput } from 'picket-core'
import { createSigningMessage } from 'picket-core'
import type { PicketClient } from 'picket-core/client'
import type { PrivateKeyAccount } from 'viem/accounts'

export interface SiweLoginOptions {
  /** Chain slug (default `ethereum`). */
  chain?: string
  /** SIWE `chainId` (default 1, Ethereum mainnet; 1337 for the dev chain). */
  chainId?: number
  /** The site the user signs in to, `host[:port]` (default `localhost:3000`). */
  domain?: string
  /** Default: now. */
  issuedAt?: string
  requirements?: RequirementsInput
}

/** Nonce → message → signature; returns the `/auth` body without sending it. */
export async function prepareSiweLogin(
  client: Pick<PicketClient, 'nonce'>,
  account: PrivateKeyAccount,
  options: SiweLoginOptions = {},
): Promise<AuthRequest> {
  const chain = options.chain ?? 'ethereum'
  const domain = options.domain ?? 'localhost:3000'
  const { nonce, statement, format } = await client.nonce({ chain, walletAddress: account.address })
  const context = {
    domain,
    uri: `http://${domain}`,
    issuedAt: options.issuedAt ?? new Date().toISOString(),
    chainId: options.chainId ?? 1,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({
    format,
    statement,
    nonce,
    walletAddress: account.address,
    ...context,
  })
  const signature = await account.signMessage({ message })
  return {
    chain,
    walletAddress: account.address,
    signature,
    context,
    ...(options.requirements ? { requirements: options.requirements } : {}),
  }
}

/** A whole login: `prepareSiweLogin` then `/auth`. */
export async function siweLogin(
  client: Pick<PicketClient, 'nonce' | 'auth'>,
  account: PrivateKeyAccount,
  options: SiweLoginOptions = {},
) {
  return client.auth(await prepareSiweLogin(client, account, options))
}
