import type { TokenBalances } from './types.js'

const CATEGORIES = ['contractAddress', 'collection', 'tokenIds', 'creatorAddress'] as const

/**
 * Union of two balance sets, the newer one winning per key: what `/authz` puts in the new
 * token (§6.4) so earlier grants survive and re-read balances are current.
 */
export function mergeTokenBalances(older: TokenBalances, newer: TokenBalances): TokenBalances {
  const merged: TokenBalances = {}
  for (const category of CATEGORIES) {
    const a = older[category]
    const b = newer[category]
    if (a || b) merged[category] = { ...a, ...b }
  }
  return merged
}
