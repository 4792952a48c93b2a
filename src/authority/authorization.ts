import {
  hasTokenRequirements,
  isAllowedWallet,
  isEmptyRequirements,
  meetsRequirements,
} from '../core/index.js'
import type { Requirements, TokenBalances } from '../core/types.js'
import { TokenGatingUnsupportedError } from './chains/errors.js'
import type { ChainDefinition } from './chains/registry.js'
import type { AuthorityBalanceReader } from './runtime.js'

export interface AuthorizationDecision {
  allowed: boolean
  /** Balances read for these requirements (`{}` when none were read). */
  tokenBalances: TokenBalances
  /** Why not, in words a front end can show; set when `allowed` is false. */
  reason?: string
}

/**
 * Rejects token requirements on a chain that cannot read balances, before any signature work,
 * with the "token gating" wording picket-js recognizes (§2.2, §6.1).
 */
export function assertTokenGatingSupported(chain: ChainDefinition, requirements: Requirements): void {
  if (hasTokenRequirements(requirements) && !chain.authorizationSupported) {
    throw new TokenGatingUnsupportedError(
      chain.slug,
      chain.chainType === 'flow' ? 'balances are not implemented for Flow' : 'no rpcUrl is configured for it',
    )
  }
}

/**
 * Picket's OR (§6.2): a wallet on `allowedWallets` passes without a chain read; otherwise the
 * token requirements are read from the chain and evaluated exactly as picket-js does (§6.3).
 * A chain failure propagates (424), it never counts as a pass or as "no tokens".
 */
export async function decideRequirements(
  balances: AuthorityBalanceReader,
  chain: ChainDefinition,
  walletAddress: string,
  requirements: Requirements,
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
  const tokenBalances = await balances.readBalances(chain, walletAddress, requirements)
  if (meetsRequirements({ tokenBalances }, requirements)) return { allowed: true, tokenBalances }
  return {
    allowed: false,
    tokenBalances,
    reason: requirements.allowedWallets
      ? 'This wallet does not hold the required tokens and is not on the list of allowed wallet addresses'
      : "This wallet doesn't hold the tokens required to access this resource",
  }
}
