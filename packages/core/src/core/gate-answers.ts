import { compareDecimal, parseDecimal } from './decimal.js'
import { WALLET_ARGUMENT } from './gate-call.js'
import type { Bounds, ComparisonOperator, ContractCallNode } from './gate-language.js'

/**
 * Whether an amount read from a chain (a plain decimal string in whole units, as viem's
 * `formatUnits` or Solana's `uiAmountString` give it) lies within a condition's bounds.
 * Without `min` and `max`: more than zero. A malformed amount is never within bounds.
 */
export function amountWithin(amount: string, bounds: Bounds): boolean {
  const value = parseDecimal(amount)
  if (!value) return false
  if (bounds.min === undefined && bounds.max === undefined) return value.coefficient > 0n
  if (bounds.min !== undefined && compareDecimal(value, parseDecimal(bounds.min)!) < 0) return false
  if (bounds.max !== undefined && compareDecimal(value, parseDecimal(bounds.max)!) > 0) return false
  return true
}

const ORDERINGS: Record<ComparisonOperator, (order: -1 | 0 | 1) => boolean> = {
  eq: (order) => order === 0,
  ne: (order) => order !== 0,
  gt: (order) => order > 0,
  gte: (order) => order >= 0,
  lt: (order) => order < 0,
  lte: (order) => order <= 0,
}

/**
 * A contract call condition's comparison on the decoded output (viem's decoding: `bigint` for
 * integers, `boolean`, `0x…` strings for addresses and bytes, `string`). An output of an
 * unexpected type is an error for the caller to report, never "not met" (a `not` around the
 * condition would turn that into a pass).
 */
export function compareCallOutput(
  node: ContractCallNode,
  output: unknown,
  walletAddress: string,
): boolean | 'error' {
  const { operator, value, outputType } = node
  if (/^u?int\d*$/.test(outputType)) {
    if (typeof output !== 'bigint' || typeof value !== 'string') return 'error'
    const wanted = BigInt(value)
    return ORDERINGS[operator](output === wanted ? 0 : output > wanted ? 1 : -1)
  }
  let same: boolean
  if (outputType === 'bool') {
    if (typeof output !== 'boolean') return 'error'
    same = output === value
  } else if (outputType === 'address' || outputType.startsWith('bytes')) {
    if (typeof output !== 'string' || typeof value !== 'string') return 'error'
    const wanted = value === WALLET_ARGUMENT ? walletAddress.toLowerCase() : value
    same = output.toLowerCase() === wanted
  } else if (outputType === 'string') {
    if (typeof output !== 'string') return 'error'
    same = output === value
  } else {
    return 'error'
  }
  if (operator === 'eq') return same
  if (operator === 'ne') return !same
  return 'error'
}
