import { chainTypeOf } from './chain-type.js'
import { addDecimal, type Decimal, parseDecimal } from './decimal.js'
import { meetsRequirements, passesMinimum } from './meets-requirements.js'
import { hasTokenRequirements, isAllowedWallet, isEmptyRequirements } from './requirements.js'
import type { AccessTokenPayload, Requirements, TokenIdBalances } from './types.js'

/** What a decision from the token needs of its claims. */
export type ProvingClaims = Pick<
  AccessTokenPayload,
  'chain' | 'walletAddress' | 'tokenBalances' | 'tokenIdBalances'
>

/** The largest uint256, the range of an EVM token id. */
const UINT256_MAX = 2n ** 256n - 1n

/**
 * A token id as this package keys it: the decimal form of a uint256 (`'0x0a'` and `'010'` are
 * both `'10'`), or `undefined` for something that is not a token id (not a number, or out of range).
 */
export function tokenIdKey(id: string): string | undefined {
  if (!/^(\d{1,78}|0x[0-9a-fA-F]{1,64})$/.test(id)) return undefined
  const value = BigInt(id)
  return value > UINT256_MAX ? undefined : value.toString()
}

/**
 * Whether a token's own claims prove that its wallet meets `requirements`, on the token's chain.
 * The one rule for every place that decides from a token (the plugin's gate, the authority's
 * `/auth/validate` and `/authz`), so they cannot give different answers:
 *
 * - no requirements: yes; the wallet on `allowedWallets`: yes (Picket's OR, §6.2);
 * - an EVM contract with `tokenIds`: only the per-id balances the token recorded for exactly
 *   those ids (`tokenIdBalances`) count, summed over the distinct ids; a balance the token
 *   holds for the contract as a whole, or for other ids, proves nothing about these ids;
 * - an EVM contract without `tokenIds`: a balance the token recorded per id proves nothing
 *   about the contract as a whole;
 * - otherwise Picket's own rule on `tokenBalances` (`meetsRequirements`, §6.3).
 *
 * "No" means "not proven by this token": the caller may read the chain (incremental
 * authorization) or refuse.
 */
export function claimsSatisfy(claims: ProvingClaims, requirements: Requirements): boolean {
  if (isEmptyRequirements(requirements)) return true
  if (isAllowedWallet(claims.walletAddress, requirements, chainTypeOf(claims.chain))) return true
  if (!hasTokenRequirements(requirements)) return false
  if (requirements.contractAddress !== undefined) {
    if (requirements.tokenIds !== undefined) {
      return idBalancesSatisfy(claims.tokenIdBalances, requirements.contractAddress, requirements)
    }
    // The token's balance of this contract was read for some ids (ERC-1155 always is): it says
    // nothing about the contract as a whole, which only a chain read can answer (and for an
    // ERC-1155 contract cannot: it needs ids), so /authz and tokenOwnership agree with it.
    const contract = requirements.contractAddress.toLowerCase()
    if (claims.tokenIdBalances && Object.hasOwn(claims.tokenIdBalances, contract)) return false
  }
  return meetsRequirements(claims, requirements)
}

function idBalancesSatisfy(
  recorded: TokenIdBalances | undefined,
  contractAddress: string,
  requirements: Requirements,
): boolean {
  const contract = contractAddress.toLowerCase()
  if (!recorded || !Object.hasOwn(recorded, contract)) return false
  const perId = recorded[contract]
  if (!perId) return false
  const ids = new Set<string>()
  for (const id of requirements.tokenIds!) {
    const key = tokenIdKey(id)
    if (key === undefined) return false
    ids.add(key)
  }
  if (ids.size === 0) return false
  let total: Decimal | 'NaN' = { coefficient: 0n, exponent: 0 }
  for (const id of ids) {
    if (!Object.hasOwn(perId, id)) return false
    const balance = typeof perId[id] === 'string' ? parseDecimal(perId[id]) : undefined
    if (!balance || balance.coefficient < 0n) return false
    total = addDecimal(total, balance)
  }
  const min = parseDecimal(requirements.minTokenBalance ?? '0')
  return min !== undefined && passesMinimum(total, min)
}
