import { serviceUnavailable } from '../errors.js'
import { type NonceStore, NonceStoreFullError } from './store.js'

/**
 * Wraps a store so that its failures (Redis down, timeouts) answer 503 instead of 500: the
 * request was fine, the authority's own dependency was not, and a retry may succeed.
 */
export function guardNonceStore(store: NonceStore): NonceStore {
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      if (error instanceof NonceStoreFullError) {
        // Live nonces are never evicted to make room: that would fail sign-ins already signed.
        throw serviceUnavailable(
          'Too many sign-ins are in progress; try again shortly',
          error.retryAfter,
          error,
        )
      }
      throw serviceUnavailable('Nonce store unavailable, try again', 5, error)
    }
  }
  return {
    issue: (key) => guard(() => store.issue(key)),
    get: (key) => guard(() => store.get(key)),
    consume: (key, nonce) => guard(() => store.consume(key, nonce)),
    // Unguarded: their callers (a scrape, a readiness probe) handle failures themselves.
    ...(store.size ? { size: () => store.size!() } : {}),
    ...(store.ping ? { ping: () => store.ping!() } : {}),
    close: () => store.close(),
  }
}
