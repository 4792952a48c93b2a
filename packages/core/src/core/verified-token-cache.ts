import * as nodeCrypto from 'node:crypto'
import { ExpiringLru } from './expiring-lru.js'
import { SingleFlightCache } from './single-flight-cache.js'
import { InvalidTokenError } from './token-errors.js'
import type { AccessTokenPayload } from './types.js'

/**
 * The `kid` of the key a token was verified with, kept on the cached claims (a symbol, so it
 * never reaches route handlers' JSON) so that entries can be dropped when their key is.
 */
export const SIGNING_KEY_ID = Symbol.for('fastify-picket.signing-key-id')

/** Freezes claims and every object in them (they are JSON: plain objects, arrays, primitives). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return Object.freeze(value)
}

export interface VerifiedTokenCacheOptions {
  /** Entries kept at most (default 10 000). */
  max?: number
  /** Longest time an entry lives, in ms (default 5 min); never past the token's `exp`. */
  ttl?: number
  /**
   * How long a refusal (an invalid token) is remembered, in ms (default 0: not at all). A flood
   * of one bad token then costs one verification (one API call in remote mode), not one each.
   */
  refusalTtl?: number
  /** Refusals remembered at most (default 10 000). */
  refusalMax?: number
  /** Clock, for tests. */
  now?: () => number
}

/**
 * What the cache has done since it was made, for metrics. `hits`: lookups answered with verified
 * claims from the cache (the gate's synchronous peek included); `misses`: full lookups (`get`)
 * that found none, so the token was verified, joined a verification in flight, or met a
 * remembered refusal. A peek that finds nothing is not counted: a gate follows it with `get`.
 * Counts are of lookups, not requests: Express's `picket()` and `requireWallet()` each look a
 * token up, and a cached token that does not prove a route's requirements is looked up again by
 * the full check. `evictions`: entries dropped to make room (the cache was full); `size`: entries
 * held now.
 */
export interface VerifiedTokenCacheStats {
  hits: number
  misses: number
  evictions: number
  size: number
}

/**
 * SHA-256 as base64url. This runs on every gated request (it is the cache lookup), and the
 * one-shot `crypto.hash` (Node >= 20.12) skips building a Hash object: about half the cost for
 * a ~1 KB token. Older Node 20 releases fall back to `createHash`; the digest is the same.
 */
const sha256Base64url: (data: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (data) => nodeCrypto.hash('sha256', data, 'base64url')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest('base64url')

/** The cache key of a token: its SHA-256, so raw tokens are never kept as map keys. */
export function tokenCacheKey(token: string): string {
  return sha256Base64url(token)
}

/**
 * Verified claims by SHA-256 of the whole token, so a cache hit costs a hash and a map lookup
 * instead of an ECDSA verification (or a network round trip in remote mode).
 *
 * Rules: bounded LRU; an entry never outlives `exp` nor `ttl`, and `exp` is re-checked on every
 * hit; concurrent misses for one token share a single verification (single-flight); failures
 * are never cached, so a token refused during an outage is checked again next time.
 */
export class VerifiedTokenCache {
  readonly #cache: SingleFlightCache<AccessTokenPayload>
  readonly #refusals: ExpiringLru<InvalidTokenError> | undefined
  readonly #refusalTtl: number
  readonly #ttl: number
  readonly #now: () => number
  // Plain integer increments: the hit path pays one add and nothing else for its metrics.
  #hits = 0
  #misses = 0

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.#ttl = options.ttl ?? 300_000
    this.#now = options.now ?? Date.now
    this.#cache = new SingleFlightCache({ max: options.max ?? 10_000, now: this.#now })
    this.#refusalTtl = options.refusalTtl ?? 0
    this.#refusals =
      this.#refusalTtl > 0 ? new ExpiringLru(options.refusalMax ?? 10_000, this.#now) : undefined
  }

  get size(): number {
    return this.#cache.size
  }

  /** The counters since the cache was made (see {@link VerifiedTokenCacheStats}). */
  stats(): VerifiedTokenCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#cache.evictions,
      size: this.#cache.size,
    }
  }

  /**
   * Cached claims of a token, synchronously, or `undefined`. The same `exp` re-check as `get`:
   * an expired entry is dropped, never returned. Lets a gate answer a hit without an await.
   */
  peek(token: string): AccessTokenPayload | undefined {
    return this.#fresh(tokenCacheKey(token))
  }

  /**
   * `peek` by the token's key (`tokenCacheKey`), for a caller that already has it: the same entry
   * and the same `exp` re-check, without hashing the token again.
   */
  peekKey(key: string): AccessTokenPayload | undefined {
    return this.#fresh(key)
  }

  /** Cached claims, or the result of `verify` (shared with concurrent callers for this token). */
  async get(
    token: string,
    verify: (token: string) => Promise<AccessTokenPayload>,
  ): Promise<AccessTokenPayload> {
    const key = tokenCacheKey(token)
    const hit = this.#fresh(key)
    if (hit) return hit
    this.#misses++
    const refused = this.#refusals?.get(key)
    if (refused) throw refused
    return this.#cache.get(key, async () => {
      let claims: AccessTokenPayload
      try {
        claims = await verify(token)
      } catch (error) {
        // Only "this token is bad" is remembered; "could not check" (an outage) never is.
        if (error instanceof InvalidTokenError) this.#refusals?.set(key, error, this.#refusalTtl)
        throw error
      }
      // Every request with this token gets this very object (request.picketUser): frozen, so a
      // handler that writes to it cannot change what the next gate decides for the token.
      return { value: deepFreeze(claims), ttl: Math.min(this.#ttl, claims.exp * 1000 - this.#now()) }
    })
  }

  /**
   * Drops every entry verified with a key that is no longer published: `keep(kid)` answers
   * whether a key id is still in the key set. Entries verified without a known key id stay.
   */
  retainKeys(keep: (kid: string) => boolean): number {
    return this.#cache.deleteWhere((claims) => {
      const kid = (claims as unknown as Record<symbol, unknown>)[SIGNING_KEY_ID]
      return typeof kid === 'string' && !keep(kid)
    })
  }

  #fresh(key: string): AccessTokenPayload | undefined {
    // One clock reading for both the entry's own deadline and the token's exp.
    const now = this.#now()
    const hit = this.#cache.peek(key, now)
    if (hit === undefined) return undefined
    if (hit.exp * 1000 > now) {
      this.#hits++
      return hit
    }
    this.#cache.delete(key)
    return undefined
  }

  /** Drops one token (e.g. after revocation). */
  delete(token: string): void {
    this.#cache.delete(tokenCacheKey(token))
  }

  clear(): void {
    this.#cache.clear()
    this.#refusals?.clear()
  }
}
