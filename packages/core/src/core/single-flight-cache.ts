import { LRUCache } from 'lru-cache'

/** What a loader returns: the value and how long (ms) it may be served from the cache. */
export interface Loaded<V> {
  value: V
  /** 0 or less: hand the value to the waiting callers but do not keep it. */
  ttl: number
}

/**
 * A bounded LRU whose misses are single-flight: concurrent `get`s for one key share one
 * `load`. Rejections are shared by the callers that waited but never stored, so the next call
 * tries again.
 */
export class SingleFlightCache<V extends {}> {
  readonly #entries: LRUCache<string, V>
  readonly #inFlight = new Map<string, Promise<V>>()

  constructor(options: { max: number }) {
    this.#entries = new LRUCache({ max: options.max })
  }

  get size(): number {
    return this.#entries.size
  }

  peek(key: string): V | undefined {
    return this.#entries.get(key)
  }

  async get(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    const hit = this.#entries.get(key)
    if (hit !== undefined) return hit
    const pending = this.#inFlight.get(key)
    if (pending) return pending
    const loading = load().then(({ value, ttl }) => {
      if (ttl > 0) this.#entries.set(key, value, { ttl: Math.ceil(ttl) })
      return value
    })
    this.#inFlight.set(key, loading)
    const forget = () => this.#inFlight.delete(key)
    loading.then(forget, forget)
    return loading
  }

  /** Stores a value directly (0 or less: not at all). */
  set(key: string, value: V, ttl: number): void {
    if (ttl > 0) this.#entries.set(key, value, { ttl: Math.ceil(ttl) })
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  /** Deletes every stored entry `drop` answers true for; returns how many. */
  deleteWhere(drop: (value: V) => boolean): number {
    let count = 0
    for (const [key, value] of this.#entries.entries()) {
      if (drop(value)) {
        this.#entries.delete(key)
        count++
      }
    }
    return count
  }

  clear(): void {
    this.#entries.clear()
  }
}
