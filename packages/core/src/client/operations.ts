import type { RequestIdentity } from './errors.js'

/** One Picket API v1 endpoint as the client calls it (reference §2). */
export interface Operation {
  readonly method: 'GET' | 'POST'
  /** Path below the base URL with `{name}` placeholders. */
  readonly pathTemplate: string
  /**
   * Whether repeating the call cannot change anything on the server. `nonce` is safe because
   * Picket returns the same live nonce again (§4.4); `auth` consumes a nonce and `authz` mints a
   * token, so they are never repeated — not even after a network error or timeout, where the
   * first attempt may have succeeded.
   */
  readonly retrySafe: boolean
}

export const OPERATIONS = {
  nonce: { method: 'POST', pathTemplate: '/auth/nonce', retrySafe: true },
  auth: { method: 'POST', pathTemplate: '/auth', retrySafe: false },
  authz: { method: 'POST', pathTemplate: '/authz', retrySafe: false },
  validate: { method: 'POST', pathTemplate: '/auth/validate', retrySafe: true },
  tokenOwnership: {
    method: 'POST',
    pathTemplate: '/chains/{chain}/wallets/{walletAddress}/tokenOwnership',
    retrySafe: true,
  },
  chains: { method: 'GET', pathTemplate: '/chains', retrySafe: true },
  chainInfo: { method: 'GET', pathTemplate: '/chains/{chain}', retrySafe: true },
} as const satisfies Record<string, Operation>

/** Identity used by errors raised before a concrete path exists (argument checks). */
export function templateIdentity(operation: Operation): RequestIdentity {
  return { method: operation.method, path: operation.pathTemplate }
}

/** Fills the placeholders; every value is URL-encoded so `/` or `?` in an address stays in its segment. */
export function expandPath(operation: Operation, params: Readonly<Record<string, string>>): string {
  return operation.pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(params[name])),
  )
}
