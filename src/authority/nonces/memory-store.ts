import { LRUCache } from 'lru-cache'
import { generateNonce } from './nonce.js'
import type { NonceStore } from './store.js'

export interface MemoryNonceStoreOptions {
  /** Seconds a nonce stays alive. */
  ttlSeconds: number
  /**
   * Upper bound on live nonces. Beyond it the least recently issued are dropped (their
   * owners simply ask again), so a flood of nonce requests cannot exhaust memory.
   */
  maxEntries?: number
}

/**
 * In-process nonce store for a single authority instance. Node runs each call to completion
 * without interleaving, so the check-and-delete in `consume` is atomic by construction.
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions): NonceStore {
  const cache = new LRUCache<string, string>({
    max: options.maxEntries ?? 100_000,
    ttl: options.ttlSeconds * 1000,
    // Re-requests return the same nonce without extending its life (§4.4).
    updateAgeOnGet: false,
    allowStale: false,
  })
  return {
    async issue(key) {
      const live = cache.get(key)
      if (live !== undefined) return live
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
    async close() {
      cache.clear()
    },
  }
}
