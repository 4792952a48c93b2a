import { LRUCache } from 'lru-cache'
import { generateNonce } from './nonce.js'
import { DEFAULT_MAX_LIVE_NONCES, type NonceStore, NonceStoreFullError } from './store.js'

export interface MemoryNonceStoreOptions {
  /** Seconds a nonce stays alive. */
  ttlSeconds: number
  /**
   * Upper bound on live nonces (default 100 000). When it is reached a new nonce is refused
   * (503) until live ones expire or are used; live ones are never evicted, since a wallet may
   * have signed one already.
   */
  maxEntries?: number
}

/**
 * In-process nonce store for a single authority instance. Node runs each call to completion
 * without interleaving, so the check-and-delete in `consume` is atomic by construction.
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions): NonceStore {
  const max = options.maxEntries ?? DEFAULT_MAX_LIVE_NONCES
  const cache = new LRUCache<string, string>({
    // One spare slot: the store refuses before the LRU would ever evict.
    max: max + 1,
    ttl: options.ttlSeconds * 1000,
    // Re-requests return the same nonce without extending its life (§4.4).
    updateAgeOnGet: false,
    allowStale: false,
  })
  return {
    async issue(key) {
      const live = cache.get(key)
      if (live !== undefined) return live
      if (cache.size >= max) {
        cache.purgeStale()
        if (cache.size >= max) throw new NonceStoreFullError(options.ttlSeconds)
      }
      const nonce = generateNonce()
      cache.set(key, nonce)
      return nonce
    },
    async get(key) {
      return cache.get(key)
    },
    async consume(key, nonce) {
      if (cache.get(key) !== nonce) return false
      cache.delete(key)
      return true
    },
    async size() {
      // Bounded work: the cache holds at most maxEntries + 1 entries.
      cache.purgeStale()
      return cache.size
    },
    async close() {
      cache.clear()
    },
  }
}
