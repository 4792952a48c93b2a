import type { TokenBalances } from 'picket-core'

/**
 * picket-go types `tokenBalances` as a flat `map[string]string` (§9 #11), so its JSON decoder
 * fails on the canonical nested shape in `Auth`, `Authz`, `Validate` and `TokenOwnership`
 * answers. For requests whose User-Agent is picket-go's, answers carry the balances flattened
 * to `{ key: balance }`. Tokens themselves always keep the canonical nested shape.
 */
export function isPicketGo(userAgent: string | undefined): boolean {
  return typeof userAgent === 'string' && /^picket-go\b/i.test(userAgent)
}

export function flattenTokenBalances(tokenBalances: TokenBalances): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const category of Object.values(tokenBalances)) Object.assign(flat, category)
  return flat
}

/** Rewrites the `tokenBalances` of an answer (at the top or under `user`) to the flat shape. */
export function flattenAnswerForGo(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload
  const answer = payload as Record<string, unknown>
  const flatten = (value: unknown) =>
    typeof value === 'object' && value !== null ? flattenTokenBalances(value as TokenBalances) : value
  const result: Record<string, unknown> = { ...answer }
  if ('tokenBalances' in answer) result.tokenBalances = flatten(answer.tokenBalances)
  if (typeof answer.user === 'object' && answer.user !== null && 'tokenBalances' in answer.user) {
    const user = answer.user as Record<string, unknown>
    result.user = { ...user, tokenBalances: flatten(user.tokenBalances) }
  }
  return result
}
