import type { AccessTokenExtensions, AuthenticatedUser, Requirements } from 'picket-core'

/**
 * What an authorization code stands for (RFC 6749 §4.1.2): one wallet login, bound to the
 * client, its redirect URI and PKCE challenge. Kept in a `CodeStore` for a minute at most.
 */
export interface CodeGrant {
  readonly projectId: string
  /** The project's publishable key (OAuth `client_id`). */
  readonly clientId: string
  readonly redirectUri: string
  /** S256 challenge: base64url(SHA-256(code_verifier)). */
  readonly codeChallenge: string
  readonly scope: readonly string[]
  readonly nonce?: string
  /** Seconds since the epoch: when the wallet signed in. */
  readonly authTime: number
  readonly user: AuthenticatedUser
  readonly extensions: AccessTokenExtensions
  /** The requirements granted at login: re-read on every refresh. */
  readonly requirements: Requirements
}

export interface CodeRecord {
  readonly grant: CodeGrant
  /** Set once redeemed: the refresh family made from it (revoked if the code comes back). */
  readonly redeemedBy?: string
}

/** Authorization codes, looked up by the SHA-256 of the code (never the code itself). */
export interface CodeStore {
  /** Stores a grant for `ttlSeconds`; throws `GrantStoreFullError` when at its bound. */
  put(id: string, grant: CodeGrant, ttlSeconds: number): Promise<void>
  get(id: string): Promise<CodeRecord | undefined>
  /**
   * Marks `id` redeemed by `familyId`, atomically: of concurrent calls exactly one gets `true`.
   * The record stays (until its TTL) so that a second use is recognised as reuse.
   */
  redeem(id: string, familyId: string): Promise<boolean>
  close(): Promise<void>
}

/** One login's refresh-token family (a session): every rotation stays in it. */
export interface RefreshFamily {
  readonly id: string
  readonly projectId: string
  readonly clientId: string
  readonly scope: readonly string[]
  readonly chain: string
  readonly walletAddress: string
  readonly requirements: Requirements
  /** Seconds since the epoch. */
  readonly authTime: number
  /** Seconds since the epoch: the family's absolute end. */
  readonly expiresAt: number
  /** Claims carried into every access token of the session (`domain`). */
  readonly extensions: AccessTokenExtensions
  /**
   * Started by a client that proved its secret: its refreshes must prove it too (RFC 6749 §6),
   * so a refresh token leaked from that backend is no use with the public client id alone.
   */
  readonly confidential?: boolean
}

export type RotateResult =
  | { readonly status: 'rotated'; readonly family: RefreshFamily }
  /** The presented token was an older one: the family is now revoked. */
  | { readonly status: 'reused' }
  /** Revoked earlier (reuse, logout, requirements no longer met). */
  | { readonly status: 'revoked' }
  /** Never existed or expired. */
  | { readonly status: 'unknown' }

export interface FamilyRecord {
  readonly family: RefreshFamily
  /** SHA-256 (hex) of the one refresh token that may be used next. */
  readonly current: string
  readonly revoked: boolean
}

/** Refresh-token families, kept until `expiresAt`. */
export interface SessionStore {
  /** Starts a family whose current token hashes to `tokenHash`; `GrantStoreFullError` when full. */
  create(family: RefreshFamily, tokenHash: string): Promise<void>
  get(familyId: string): Promise<FamilyRecord | undefined>
  /**
   * Atomically: if the family is alive and `presentedHash` is its current token, make
   * `nextHash` current ('rotated'); if alive and it is not, revoke the family ('reused').
   * Of concurrent rotations with the same presented token exactly one is 'rotated' and the
   * others are 'reused' (concurrent use of one refresh token is reuse). On a revoked family
   * the current token gives 'revoked' and any other token 'reused'; an absent or expired
   * family gives 'unknown'. Store failures reject (never 'unknown').
   */
  rotate(familyId: string, presentedHash: string, nextHash: string): Promise<RotateResult>
  /** Revokes the family (kept as revoked until `expiresAt`, so reuse is still recognised). */
  revoke(familyId: string): Promise<void>
  close(): Promise<void>
}

/** A bounded store refuses new entries rather than evicting live ones: 503 + Retry-After. */
export class GrantStoreFullError extends Error {
  readonly retryAfter: number
  constructor(what: string, retryAfter: number) {
    super(`the ${what} store is full`)
    this.name = 'GrantStoreFullError'
    this.retryAfter = retryAfter
  }
}
