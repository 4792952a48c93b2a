import { AuthorityError } from '../errors.js'
import type { NonceStore } from './store.js'

/**
 * Wraps a store so that its failures (Redis down, timeouts) answer 503 instead of 500: the
 * request was fine, the authority's own dependency was not, and a retry may succeed.
 */
export function guardNonceStore(store: NonceStore): NonceStore {
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      throw Object.assign(
        new AuthorityError(503, 'service_unavailable', 'Nonce store unavailable, try again'),
        {
          cause: error,
        },
      )
    }
  }
  return {
    issue: (key) => guard(() => store.issue(key)),
    get: (key) => guard(() => store.get(key)),
    consume: (key, nonce) => guard(() => store.consume(key, nonce)),
    close: () => store.close(),
  }
}
