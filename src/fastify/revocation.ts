import {
  makeRedisRevocationList,
  type RedisRevocationListOptions,
  type RevocationList,
} from 'picket-core/server'
import { optionsError, refusals } from './errors.js'

export type {
  RedisRevocationListOptions,
  RevocableToken,
  RevocationList,
  RevocationRedisClient,
} from 'picket-core/server'

/**
 * Token revocation shared by every instance of an API: a Redis-backed list of revoked token ids
 * (`tid`), for the plugin's `isRevoked` or `revocationList` option.
 *
 * ```ts
 * import { Redis } from 'ioredis'
 * const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 1000 })
 * const revocations = createRedisRevocationList({ redis })
 * await app.register(picket, { …, revocationList: revocations })
 * ```
 *
 * When Redis cannot answer, `isRevoked` rejects with the plugin's 503 `FST_PICKET_UNAVAILABLE`
 * (Retry-After): the request fails closed. See picket-core's `makeRedisRevocationList`.
 */
export function createRedisRevocationList(options: RedisRevocationListOptions): RevocationList {
  return makeRedisRevocationList(options, { fail: optionsError, unavailable: refusals.unavailable })
}
