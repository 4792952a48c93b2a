import { ExpiringLru } from './expiring-lru.js'

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
  readonly #entries: ExpiringLru<V>
  readonly #inFlight = new Map<string, Promise<V>>()

  /** `now`: the clock entries expire by (default `Date.now`). */
  constructor(options: { max: number; now?: () => number }) {
    this.#entries = new ExpiringLru(options.max, options.now)
  }

  get size(): number {
    return this.#entries.size
  }

  /** Entries dropped so far to make room for new ones. */
  get evictions(): number {
    return this.#entries.evictions
  }

  /** `now`: the caller's clock reading, if it has one (see ExpiringLru.get). */
  peek(key: string, now?: number): V | undefined {
    return this.#entries.get(key, now)
  }

  async get(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    const hit = this.#entries.get(key)
    if (hit !== undefined) return hit
    const pending = this.#inFlight.get(key)
    if (pending) return pending
    const loading = load().then(({ value, ttl }) => {
      this.#entries.set(key, value, ttl)
      return value
    })
    this.#inFlight.set(key, loading)
    const forget = () => this.#inFlight.delete(key)
    loading.then(forget, forget)
    return loading
  }

  /** Stores a value directly (0 or less: not at all). */
  set(key: string, value: V, ttl: number): void {
    this.#entries.set(key, value, ttl)
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  /** Deletes every stored entry `drop` answers true for; returns how many. */
  deleteWhere(drop: (value: V) => boolean): number {
    return this.#entries.deleteWhere(drop)
  }

  clear(): void {
    this.#entries.clear()
  }
}
