import { Redis } from 'ioredis'
import { generateNonce } from './nonce.js'
import { DEFAULT_MAX_LIVE_NONCES, type NonceStore, NonceStoreFullError } from './store.js'

export interface RedisNonceStoreOptions {
  /** `redis://…` URL, or an existing client (then the caller owns and closes it). */
  redis: string | Redis
  ttlSeconds: number
  /** Prefix of every key, so one Redis can serve several deployments. */
  keyPrefix?: string
  /** Live nonces at most under this prefix (default 100 000); beyond it new ones are refused. */
  maxEntries?: number
  /** Connection errors of a client this store created (it keeps reconnecting meanwhile). */
  onError?: (error: Error) => void
}

// Both scripts run atomically inside Redis, so several authority instances behind a load
// balancer agree on one nonce per wallet and a signature is accepted exactly once.

/**
 * Return the live value, or set the candidate with a TTL and return it, unless the store holds
 * its maximum of live nonces (then false: refused, not evicted). KEYS[2] indexes live nonces by
 * expiry time (a sorted set), so counting them is bounded work whatever the keyspace holds.
 */
const ISSUE_SCRIPT = `
local live = redis.call('GET', KEYS[1])
if live then return live end
local now = redis.call('TIME')
local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return false end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], nowMs + ARGV[2] * 1000, KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2] * 1000)
return ARGV[1]`

/** Delete the key only when it still holds the expected nonce. */
const CONSUME_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 1
end
return 0`

/** Live nonces of the index: those whose expiry is still ahead (by Redis' clock, like ISSUE_SCRIPT). */
const SIZE_SCRIPT = `
local now = redis.call('TIME')
local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. nowMs, '+inf')`

type ScriptedRedis = Redis & {
  picketCountNonces(index: string): Promise<number>
  picketIssueNonce(
    key: string,
    index: string,
    candidate: string,
    ttlSeconds: number,
    max: number,
  ): Promise<string | null>
  picketConsumeNonce(key: string, index: string, nonce: string): Promise<number>
}

/** Nonce store shared by every authority instance pointing at the same Redis. */
export function createRedisNonceStore(options: RedisNonceStoreOptions): NonceStore {
  const ownsClient = typeof options.redis === 'string'
  const client = (
    typeof options.redis === 'string'
      ? new Redis(options.redis, { maxRetriesPerRequest: 1, connectTimeout: 5000 })
      : options.redis
  ) as ScriptedRedis
  if (ownsClient) {
    // Without a listener ioredis reports every reconnect attempt as an unhandled error event.
    // Failed commands still reject, and the routes answer 503 for them.
    client.on('error', (error: Error) => options.onError?.(error))
  }
  client.defineCommand('picketIssueNonce', { numberOfKeys: 2, lua: ISSUE_SCRIPT })
  client.defineCommand('picketConsumeNonce', { numberOfKeys: 2, lua: CONSUME_SCRIPT })
  client.defineCommand('picketCountNonces', { numberOfKeys: 1, lua: SIZE_SCRIPT })
  const prefix = options.keyPrefix ?? 'picket:nonce:'
  const index = `${prefix}live-index`
  const max = options.maxEntries ?? DEFAULT_MAX_LIVE_NONCES

  return {
    async issue(key) {
      const nonce = await client.picketIssueNonce(
        prefix + key,
        index,
        generateNonce(),
        options.ttlSeconds,
        max,
      )
      if (nonce === null) throw new NonceStoreFullError(options.ttlSeconds)
      return nonce
    },
    async get(key) {
      return (await client.get(prefix + key)) ?? undefined
    },
    async consume(key, nonce) {
      return (await client.picketConsumeNonce(prefix + key, index, nonce)) === 1
    },
    async size() {
      return Number(await client.picketCountNonces(index))
    },
    async ping() {
      await client.ping()
    },
    async close() {
      if (!ownsClient) return
      // QUIT would wait in the offline queue of a client that never connected.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}
