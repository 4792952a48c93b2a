import type { AccessTokenExtensions, AuthenticatedUser } from 'picket-core'
import { decideRequirements } from './authorization.js'
import type { ChainDefinition } from './chains/registry.js'
import type { ProjectConfig } from './config.js'
import { invalidSignature, parameterInvalid, permissionDenied } from './errors.js'
import { nonceKey } from './nonces/store.js'
import { assertWalletAddress, chainFromBody } from './request-context.js'
import type { NormalizedAuthRequest } from './request-normalization.js'
import type { AuthorityRuntime } from './runtime.js'
import { verifyWalletSignature } from './signatures/index.js'
import { rebuildSigningMessage } from './signing-message.js'
import { canonicalWalletAddress } from './wallet-address.js'

export interface WalletLoginInput {
  project: ProjectConfig
  login: NormalizedAuthRequest
  /** Aborts the chain reads when the client hangs up. */
  signal?: AbortSignal
  /**
   * SIWE domains accepted besides the project's `allowedDomains`: the authority's own host,
   * for the hosted login page of `/oauth2/authorize` (its wallet signs in to the authority).
   */
  extraAllowedDomains?: readonly string[]
  /**
   * Spend the nonce as soon as the signature verifies, so a refused login (requirements unmet,
   * chain down) cannot be replayed either. For `/oauth2/authorize`, whose signature sits in a
   * URL; `POST /auth` keeps it alive for a retry with the same signature.
   */
  spendNonceOnceVerified?: boolean
}

export interface WalletLogin {
  chain: ChainDefinition
  user: AuthenticatedUser
  /** This package's claims beside Picket's: per-id balances, the SIWE domain. */
  extensions: AccessTokenExtensions
}

/**
 * One wallet login, the security rule of `POST /auth` and `GET /oauth2/authorize` alike.
 *
 * Order, chosen so that a signature yields exactly one login:
 *   1. validate input (400);
 *   2. read the live nonce and verify the signature over the rebuilt message (401);
 *   3. evaluate requirements, reading the chain when needed (403 / 424);
 *   4. consume the nonce atomically — only if it still holds the value that was verified.
 * Concurrent submissions of one signature all pass 2–3 but only one wins step 4. Consuming
 * after the chain read means an RPC outage (424) or an unmet requirement (403) leaves the nonce
 * alive, so the user can retry with the same signature until it expires instead of signing again.
 */
export async function signInWallet(runtime: AuthorityRuntime, input: WalletLoginInput): Promise<WalletLogin> {
  const { project, login } = input
  const chain = chainFromBody(runtime, login.chain)
  if (chain.chainType === 'flow')
    throw parameterInvalid('Flow wallet login is not supported by this authority')
  assertWalletAddress(chain, login.walletAddress)

  const key = nonceKey(project.id, chain.chainType, login.walletAddress)
  const nonce = await runtime.nonces.get(key)
  if (!nonce)
    throw invalidSignature('the nonce has expired or was already used; request a new one and sign again')
  const message = rebuildSigningMessage({
    project,
    chain,
    walletAddress: login.walletAddress,
    nonce,
    context: login.context,
    now: runtime.now(),
    nonceTTLSeconds: runtime.config.nonceTTL,
    ...(input.extraAllowedDomains ? { extraAllowedDomains: input.extraAllowedDomains } : {}),
  })
  const verified = await verifyWalletSignature({
    chainType: chain.chainType,
    walletAddress: login.walletAddress,
    message,
    signature: login.signature,
    publicClient: chain.rpcUrl ? runtime.balances.publicClientFor(chain) : undefined,
    secp256k1: runtime.secp256k1,
  })
  if (!verified) throw invalidSignature()
  const spend = async () => {
    if (!(await runtime.nonces.consume(key, nonce))) throw invalidSignature('this signature was already used')
  }
  if (input.spendNonceOnceVerified) await spend()

  const walletAddress = canonicalWalletAddress(chain, login.walletAddress)
  // The ENS lookup runs alongside the balance read; it never throws (a failed lookup shows the address).
  const displayAddress = runtime.balances.resolveDisplayAddress(chain, walletAddress)
  const decision = await decideRequirements(
    runtime.balances,
    chain,
    walletAddress,
    login.requirements,
    input.signal,
  )
  if (!decision.allowed) throw permissionDenied(decision.reason ?? 'Requirements not met')

  if (!input.spendNonceOnceVerified) await spend()
  return {
    chain,
    user: {
      chain: chain.slug,
      walletAddress,
      displayAddress: await displayAddress,
      tokenBalances: decision.tokenBalances,
    },
    extensions: {
      ...(decision.tokenIdBalances ? { tokenIdBalances: decision.tokenIdBalances } : {}),
      ...(decision.blockNumber !== undefined ? { blockNumber: decision.blockNumber } : {}),
      // The site the wallet signed in to: relying parties refuse tokens signed for others.
      ...(project.format === 'siwe' && login.context?.domain
        ? { domain: login.context.domain.toLowerCase() }
        : {}),
    },
  }
}
