import type { TokenBalances, TokenIdBalances } from './types.js'

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

/** Union of two per-id balance sets, the newer one winning per id (what `/authz` mints). */
export function mergeTokenIdBalances(
  older: TokenIdBalances | undefined,
  newer: TokenIdBalances | undefined,
): TokenIdBalances | undefined {
  if (!older && !newer) return undefined
  const merged: TokenIdBalances = {}
  for (const source of [older, newer]) {
    for (const [contract, ids] of Object.entries(source ?? {}))
      merged[contract] = { ...merged[contract], ...ids }
  }
  return merged
}
