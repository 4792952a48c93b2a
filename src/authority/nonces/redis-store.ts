import { Redis } from 'ioredis'
import { generateNonce } from './nonce.js'
import type { NonceStore } from './store.js'

export interface RedisNonceStoreOptions {
  /** `redis://…` URL, or an existing client (then the caller owns and closes it). */
  redis: string | Redis
  ttlSeconds: number
  /** Prefix of every key, so one Redis can serve several deployments. */
  keyPrefix?: string
  /** Connection errors of a client this store created (it keeps reconnecting meanwhile). */
  onError?: (error: Error) => void
}

// Both scripts run atomically inside Redis, so several authority instances behind a load
// balancer agree on one nonce per wallet and a signature is accepted exactly once.

/** Return the live value, or set the candidate with a TTL and return it. */
const ISSUE_SCRIPT = `
local live = redis.call('GET', KEYS[1])
if live then return live end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]`

/** Delete the key only when it still holds the expected nonce. */
const CONSUME_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`

type ScriptedRedis = Redis & {
  picketIssueNonce(key: string, candidate: string, ttlSeconds: number): Promise<string>
  picketConsumeNonce(key: string, nonce: string): Promise<number>
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
  client.defineCommand('picketIssueNonce', { numberOfKeys: 1, lua: ISSUE_SCRIPT })
  client.defineCommand('picketConsumeNonce', { numberOfKeys: 1, lua: CONSUME_SCRIPT })
  const prefix = options.keyPrefix ?? 'picket:nonce:'

  return {
    async issue(key) {
      return client.picketIssueNonce(prefix + key, generateNonce(), options.ttlSeconds)
    },
    async get(key) {
      return (await client.get(prefix + key)) ?? undefined
    },
    async consume(key, nonce) {
      return (await client.picketConsumeNonce(prefix + key, nonce)) === 1
    },
    async close() {
      if (!ownsClient) return
      // QUIT would wait in the offline queue of a client that never connected.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}
