import type { ConfigErrorFactory } from '../core/index.js'
import {
  type AccessTokenPayload,
  expectRecord,
  optionalFunction,
  optionalInteger,
  optionalString,
  refuseUndefinedValues,
  refuseUnknownKeys,
} from '../core/index.js'
import type { Refusals } from './refusals.js'

/**
 * Token revocation shared by every instance of an API: a Redis-backed list of revoked token ids
 * (`tid`), for the adapters' `isRevoked` option.
 *
 * ```ts
 * import { Redis } from 'ioredis'
 * const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 1000 })
 * const revocations = createRedisRevocationList({ redis })
 * await app.register(picket, { …, isRevoked: revocations.isRevoked })
 * app.post('/logout-everywhere', { config: { picket: true } }, async (request) => {
 *   await revocations.revoke(request.picketUser!)
 *   return { revoked: true }
 * })
 * ```
 *
 * Each revoked `tid` is its own key (`<keyPrefix><tid>`) that expires when the token does (plus
 * the verifier's clock tolerance), so the list holds only tokens that could still verify and
 * never grows without bound. The adapters run `isRevoked` on every gated request, cache hits
 * included, so a revocation applies to every instance from the next request on. When Redis
 * cannot answer, `isRevoked` fails closed: the request gets 503 with Retry-After, never a pass.
 */
/**
 * What the list needs of a Redis client: an ioredis `Redis` (or anything with these three
 * commands in ioredis' spelling). This package does not depend on a Redis driver: the app owns
 * its client (connection options, TLS, Sentinel, closing it), as with @fastify/rate-limit. Every
 * command names one key, so a client that reads only its first key, or a cluster that needs all
 * keys of a command in one slot, still sees them all.
 */
export interface RevocationRedisClient {
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>
  exists(key: string): Promise<number>
  del(key: string): Promise<number>
}

export interface RedisRevocationListOptions {
  /**
   * The app's Redis client (it owns and closes it). Give it a command timeout and few retries
   * (ioredis: `commandTimeout`, `maxRetriesPerRequest: 1`): a check waits at most `timeout` ms
   * either way, then fails closed.
   */
  redis: RevocationRedisClient
  /** Prefix of every key (default `picket:revoked:`), so one Redis can serve several deployments. */
  keyPrefix?: string
  /**
   * Seconds a revocation outlives the token's `exp` (default 60). Verifiers accept a token a
   * little past `exp` (clock tolerance, 5 s by default), so the entry must not vanish first.
   */
  leewaySeconds?: number
  /**
   * Longest wait for Redis, in ms (default 1000): a check then fails closed (503); `revoke` and
   * `unrevoke` reject.
   */
  timeout?: number
  /** `Retry-After` seconds of the 503 sent when Redis cannot answer (default 5). */
  retryAfter?: number
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
   * For the adapters' `isRevoked` option (already bound). True when the token's `tid` or `sid`
   * is on the list; a token without a `tid` cannot be checked and counts as revoked. Throws the
   * adapter's 503 (`FST_PICKET_UNAVAILABLE` in Fastify, `PICKET_UNAVAILABLE` in Express; with Retry-After) when Redis cannot answer.
   */
  isRevoked(claims: Pick<AccessTokenPayload, 'tid' | 'sid'>, request?: unknown): Promise<boolean>
  /** Lifts a revocation (e.g. one made by mistake). */
  unrevoke(tid: string): Promise<void>
}

const OPTION_KEYS = {
  keys: ['redis', 'keyPrefix', 'leewaySeconds', 'timeout', 'retryAfter', 'now'],
  elsewhere: {
    url: 'pass your own client instead: `redis: new Redis(url)` (ioredis); the app owns and closes it',
  },
}
const COMMANDS = ['set', 'exists', 'del'] as const

/** What the list needs of the adapter that exports it: its options error and its 503. */
export interface RevocationListErrors {
  fail: ConfigErrorFactory
  unavailable: Refusals['unavailable']
}

/**
 * The shared revocation list, with the errors of the adapter that exports it (each adapter's
 * `createRedisRevocationList` is this with its own errors bound).
 */
export function makeRedisRevocationList(
  options: RedisRevocationListOptions,
  { fail, unavailable }: RevocationListErrors,
): RevocationList {
  const path = 'createRedisRevocationList'
  const raw = expectRecord(options, path, fail)
  refuseUnknownKeys(raw, OPTION_KEYS, path, fail)
  refuseUndefinedValues(raw, path, fail)
  const client = raw.redis as RevocationRedisClient
  for (const command of COMMANDS) {
    if (typeof (client as unknown as Record<string, unknown> | null)?.[command] !== 'function') {
      throw fail(`${path}.redis`, `must be a Redis client with ${COMMANDS.join('/')} (an ioredis Redis)`)
    }
  }
  const prefix = optionalString(raw.keyPrefix, `${path}.keyPrefix`, fail) ?? 'picket:revoked:'
  const leewaySeconds = optionalInteger(raw.leewaySeconds, `${path}.leewaySeconds`, fail, {
    min: 0,
    fallback: 60,
  })
  const timeout = optionalInteger(raw.timeout, `${path}.timeout`, fail, { min: 1, fallback: 1000 })
  const retryAfter = optionalInteger(raw.retryAfter, `${path}.retryAfter`, fail, { min: 1, fallback: 5 })
  const now = optionalFunction(raw.now as (() => number) | undefined, `${path}.now`, fail) ?? Date.now
  const leewayMs = leewaySeconds * 1000

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
      await bounded(client.set(prefix + tid, '1', 'PX', ttlMs))
      return true
    },

    isRevoked: async (claims) => {
      const tid = claims?.tid
      if (typeof tid !== 'string' || tid === '') return true
      const sid = typeof claims.sid === 'string' && claims.sid !== '' ? claims.sid : undefined
      try {
        const ids = sid === undefined || sid === tid ? [tid] : [tid, sid]
        const counts = await bounded(Promise.all(ids.map((id) => client.exists(prefix + id))))
        // Anything but a count is a client we do not understand: refuse, never read it as "no".
        if (!counts.every((count) => Number.isSafeInteger(count) && count >= 0)) {
          throw new TypeError(`EXISTS answered ${JSON.stringify(counts)}, not key counts`)
        }
        return counts.some((count) => count > 0)
      } catch (error) {
        // Fail closed: an unanswered check never lets a possibly revoked token through.
        throw unavailable('the revocation list could not be checked', retryAfter, error)
      }
    },

    async unrevoke(tid) {
      await bounded(client.del(prefix + tid))
    },
  }
}
