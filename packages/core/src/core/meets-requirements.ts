import { addDecimal, compareDecimal, type Decimal, isZeroDecimal, parseDecimal } from './decimal.js'
import { normalizeRequirements } from './requirements.js'
import type { Requirements, RequirementsInput, TokenBalances } from './types.js'

/** What the check needs of a user: the balances carried in the access token. */
export interface UserWithBalances {
  tokenBalances?: TokenBalances | null
}

const ZERO: Decimal = { coefficient: 0n, exponent: 0 }

/**
 * A running total that can become "not a number", as BigNumber does in picket-js when a
 * balance string is garbage: once NaN, no later check can pass.
 */
type Total = Decimal | 'NaN'

function plus(total: Total, balance: unknown): Total {
  if (total === 'NaN') return total
  const parsed =
    typeof balance === 'string' || typeof balance === 'number' ? parseDecimal(balance) : undefined
  return parsed ? addDecimal(total, parsed) : 'NaN'
}

/** picket-js `isGreaterThanOrEqualToOrNonZero`: a zero minimum means "strictly more than 0". */
export function passesMinimum(total: Decimal | 'NaN', min: Decimal): boolean {
  if (total === 'NaN') return false
  if (isZeroDecimal(min)) return compareDecimal(total, ZERO) > 0
  return compareDecimal(total, min) >= 0
}

/** picket-js adds a balance only when it is truthy: a non-empty string or a non-zero number. */
function isTruthy(balance: unknown): boolean {
  return balance !== undefined && balance !== null && balance !== '' && balance !== 0 && balance !== false
}

function lookup(category: Record<string, unknown> | undefined, key: string): unknown {
  // Own keys only, exact string match (§2.11: keys are the requirement string as received).
  return category && Object.hasOwn(category, key) ? category[key] : undefined
}

function hasKeys(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0
}

/**
 * Picket's client-side requirement check, ported step by step from picket-js
 * `Picket.meetsAuthRequirements` (reference §6.3), with exact decimal arithmetic.
 *
 * One running total is shared by every category; after each addition the total is compared
 * with the minimum, and the first pass wins. `allowedWallets` is not consulted here, exactly as
 * in picket-js (see `isAllowedWallet` for that path of the OR).
 *
 * `requirements` may be in any SDK spelling; they are normalised first (`""`/`null` absent).
 * @throws RequirementsError when the requirements themselves are invalid.
 */
export function meetsRequirements(
  user: UserWithBalances | null | undefined,
  requirementsInput: Requirements | RequirementsInput | null | undefined,
): boolean {
  // 1. no user
  if (!user) return false
  // 2. no requirements
  const requirements = normalizeRequirements(requirementsInput)
  if (Object.keys(requirements).length === 0) return true
  // 3. no balances
  const tokenBalances = user.tokenBalances
  if (!tokenBalances || !hasKeys(tokenBalances)) return false
  // 4. the minimum (canonical requirements hold a valid non-negative decimal; anything else fails closed)
  const min = parseDecimal(requirements.minTokenBalance ?? '0')
  if (!min) return false
  // 5. one running total across categories
  let total: Total = ZERO

  // 7. EVM contract
  if (requirements.contractAddress !== undefined && tokenBalances.contractAddress) {
    const balance = lookup(tokenBalances.contractAddress, requirements.contractAddress)
    if (isTruthy(balance)) total = plus(total, balance)
    if (passesMinimum(total, min)) return true
  }
  // 8. collections, in order
  if (requirements.collection !== undefined && tokenBalances.collection) {
    for (const collection of requirements.collection) {
      const balance = lookup(tokenBalances.collection, collection)
      if (isTruthy(balance)) total = plus(total, balance)
      if (passesMinimum(total, min)) return true
    }
  }
  // 9. verified creator
  if (requirements.creatorAddress !== undefined && tokenBalances.creatorAddress) {
    const balance = lookup(tokenBalances.creatorAddress, requirements.creatorAddress)
    if (isTruthy(balance)) total = plus(total, balance)
    if (passesMinimum(total, min)) return true
  }
  // 10. token ids: ids without a balance are skipped, not checked
  if (requirements.tokenIds !== undefined && requirements.tokenIds.length > 0 && tokenBalances.tokenIds) {
    for (const tokenId of requirements.tokenIds) {
      const balance = lookup(tokenBalances.tokenIds, tokenId)
      if (!isTruthy(balance)) continue
      total = plus(total, balance)
      if (passesMinimum(total, min)) return true
    }
  }
  // 11.
  return passesMinimum(total, min)
}
