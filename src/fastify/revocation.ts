import { Redis } from 'ioredis'
import type { AccessTokenPayload } from 'picket-core'
import { unavailable } from './errors.js'

/**
 * Token revocation shared by every instance of an API: a Redis-backed list of revoked token ids
 * (`tid`), for the plugin's `isRevoked` option.
 *
 * ```ts
 * const revocations = createRedisRevocationList({ url: process.env.REDIS_URL })
 * await app.register(picket, { …, isRevoked: revocations.isRevoked })
 * app.post('/logout-everywhere', { config: { picket: true } }, async (request) => {
 *   await revocations.revoke(request.picketUser!)
 *   return { revoked: true }
 * })
 * ```
 *
 * Each revoked `tid` is its own key (`<keyPrefix><tid>`) that expires when the token does (plus
 * the verifier's clock tolerance), so the list holds only tokens that could still verify and
 * never grows without bound. The plugin runs `isRevoked` on every gated request, cache hits
 * included, so a revocation applies to every instance from the next request on. When Redis
 * cannot answer, `isRevoked` fails closed: the request gets 503 with Retry-After, never a pass.
 */
export interface RedisRevocationListOptions {
  /** A ready ioredis client (the caller owns and closes it)… */
  redis?: Redis
  /** …or a `redis://` URL (the list creates, owns and closes its client). */
  url?: string
  /** Prefix of every key (default `picket:revoked:`), so one Redis can serve several deployments. */
  keyPrefix?: string
  /**
   * Seconds a revocation outlives the token's `exp` (default 60). Verifiers accept a token a
   * little past `exp` (clock tolerance, 5 s by default), so the entry must not vanish first.
   */
  leewaySeconds?: number
  /** Longest wait for Redis on a check, in ms (default 1000); then the request fails closed. */
  timeout?: number
  /** `Retry-After` seconds of the 503 sent when Redis cannot answer (default 5). */
  retryAfter?: number
  /** Connection errors of a client this list created (it keeps reconnecting meanwhile). */
  onError?: (error: Error) => void
  /** Clock in ms, for tests; default `Date.now`. */
  now?: () => number
}

/**
 * What `revoke` needs from a token: its id, its session (`sid`, shared by every token `/authz`
 * mints from it) and its expiry (seconds since the epoch).
 */
export type RevocableToken = Pick<AccessTokenPayload, 'tid' | 'exp' | 'sid'>

export interface RevocationList {
  /**
   * Revokes a session by a token's claims (`request.picketUser`): its `sid` (the whole session:
   * every token `/authz` derived from the login, whose `exp` they share) or, for a token without
   * one, its `tid`. Or one id and an `exp` (seconds since the epoch). Returns `false` when there
   * was nothing to store because the token has expired (beyond the leeway) already.
   */
  revoke(token: RevocableToken | string, exp?: number): Promise<boolean>
  /**
   * For the plugin's `isRevoked` option (already bound). True when the token's `tid` or `sid`
   * is on the list; a token without a `tid` cannot be checked and counts as revoked. Throws the
   * plugin's 503 `FST_PICKET_UNAVAILABLE` (with Retry-After) when Redis cannot answer.
   */
  isRevoked(claims: Pick<AccessTokenPayload, 'tid' | 'sid'>, request?: unknown): Promise<boolean>
  /** Lifts a revocation (e.g. one made by mistake). */
  unrevoke(tid: string): Promise<void>
  /** Closes the Redis client if the list created it. */
  close(): Promise<void>
}

export function createRedisRevocationList(options: RedisRevocationListOptions): RevocationList {
  if ((options.redis === undefined) === (options.url === undefined)) {
    throw new TypeError('createRedisRevocationList: pass exactly one of `redis` (a client) or `url`')
  }
  const timeout = options.timeout ?? 1000
  const ownsClient = options.redis === undefined
  const client =
    options.redis ??
    new Redis(options.url!, {
      // One reconnect attempt per command, then reject: a check must not wait in a queue for
      // as long as Redis is down.
      maxRetriesPerRequest: 1,
      commandTimeout: timeout,
      connectTimeout: Math.max(timeout, 1000),
      // Every gated request checks the list; concurrent checks share round trips.
      enableAutoPipelining: true,
    })
  if (ownsClient) {
    // Without a listener ioredis reports each reconnect attempt as an unhandled 'error' event.
    client.on('error', (error: Error) => options.onError?.(error))
  }
  const prefix = options.keyPrefix ?? 'picket:revoked:'
  const leewayMs = (options.leewaySeconds ?? 60) * 1000
  const retryAfter = options.retryAfter ?? 5
  const now = options.now ?? Date.now

  /** Rejects after `timeout` ms, for clients handed in without a command timeout. */
  function bounded<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeout} ms`)), timeout)
    })
    return Promise.race([operation, expired]).finally(() => clearTimeout(timer))
  }

  return {
    async revoke(token, exp) {
      const tid = typeof token === 'string' ? token : (token.sid ?? token.tid)
      const expiresAt = typeof token === 'string' ? exp : token.exp
      if (typeof tid !== 'string' || tid === '') throw new TypeError('revoke: the token has no tid')
      if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
        throw new TypeError('revoke: pass the claims, or a tid and the token exp (seconds since the epoch)')
      }
      const ttlMs = Math.ceil(expiresAt * 1000 + leewayMs - now())
      if (ttlMs <= 0) return false
      await client.set(prefix + tid, '1', 'PX', ttlMs)
      return true
    },

    isRevoked: async (claims) => {
      const tid = claims?.tid
      if (typeof tid !== 'string' || tid === '') return true
      const sid = typeof claims.sid === 'string' && claims.sid !== '' ? claims.sid : undefined
      try {
        const keys = sid === undefined || sid === tid ? [prefix + tid] : [prefix + tid, prefix + sid]
        return (await bounded(client.exists(...keys))) > 0
      } catch (error) {
        // Fail closed: an unanswered check never lets a possibly revoked token through.
        throw unavailable('the revocation list could not be checked', retryAfter, error)
      }
    },

    async unrevoke(tid) {
      await client.del(prefix + tid)
    },

    async close() {
      if (!ownsClient) return
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}
