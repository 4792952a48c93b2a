import type { Requirements, TokenBalances, TokenIdBalances } from 'picket-core'
import { claimsSatisfy, hasTokenRequirements, isAllowedWallet, isEmptyRequirements } from 'picket-core'
import { ChainRpcNotConfiguredError, TokenGatingUnsupportedError } from './chains/errors.js'
import type { ChainDefinition } from './chains/registry.js'
import type { AuthorityBalanceReader } from './runtime.js'

export interface AuthorizationDecision {
  allowed: boolean
  /** Balances read for these requirements (`{}` when none were read). */
  tokenBalances: TokenBalances
  /** Per-id balances read for EVM `tokenIds` (this package's claim), when any were read. */
  tokenIdBalances?: TokenIdBalances
  /** The EVM block the balances were read at, when any were read on an EVM chain. */
  blockNumber?: number
  /** Why not, in words a front end can show; set when `allowed` is false. */
  reason?: string
}

/**
 * Rejects token requirements on a chain that cannot read balances, before any signature work,
 * with the "token gating" wording picket-js recognizes (§2.2, §6.1): Flow never can (400); a
 * chain without an RPC URL is the server's missing setting, not the wallet's fault (503 naming
 * the setting, with Retry-After).
 */
export function assertTokenGatingSupported(chain: ChainDefinition, requirements: Requirements): void {
  if (hasTokenRequirements(requirements) && !chain.authorizationSupported) {
    if (chain.chainType === 'flow') {
      throw new TokenGatingUnsupportedError(chain.slug, 'balances are not implemented for Flow')
    }
    throw new ChainRpcNotConfiguredError(chain.slug)
  }
}

/**
 * Picket's OR (§6.2): a wallet on `allowedWallets` passes without a chain read; otherwise the
 * token requirements are read from the chain and evaluated by core's `claimsSatisfy` on what
 * was read — the same rule that later decides from the minted token, so a read that grants is
 * a token that grants. A chain failure propagates (424), never a pass or "no tokens".
 */
export async function decideRequirements(
  balances: AuthorityBalanceReader,
  chain: ChainDefinition,
  walletAddress: string,
  requirements: Requirements,
  signal?: AbortSignal,
  /** Read the chain now, never from the balance cache (revalidation, refresh of a session). */
  fresh = false,
): Promise<AuthorizationDecision> {
  if (isEmptyRequirements(requirements)) return { allowed: true, tokenBalances: {} }
  if (isAllowedWallet(walletAddress, requirements, chain.chainType))
    return { allowed: true, tokenBalances: {} }
  if (!hasTokenRequirements(requirements)) {
    return {
      allowed: false,
      tokenBalances: {},
      reason: 'This wallet is not on the list of allowed wallet addresses',
    }
  }
  assertTokenGatingSupported(chain, requirements)
  // The request's signal: a client that hangs up stops the reads made for it.
  const reading = await balances.readBalances(chain, walletAddress, requirements, {
    ...(signal ? { signal } : {}),
    ...(fresh ? { fresh } : {}),
  })
  const read = { chain: chain.slug, walletAddress, ...reading }
  if (claimsSatisfy(read, requirements)) return { allowed: true, ...reading }
  return {
    allowed: false,
    ...reading,
    reason: requirements.allowedWallets
      ? 'This wallet does not hold the required tokens and is not on the list of allowed wallet addresses'
      : "This wallet doesn't hold the tokens required to access this resource",
  }
}
