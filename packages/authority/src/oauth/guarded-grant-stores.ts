import { serviceUnavailable } from '../errors.js'
import { type CodeStore, GrantStoreFullError, type SessionStore } from './grant-stores.js'

/**
 * Like the nonce store's guard: a failing store (Redis down, a timeout) answers 503 with
 * Retry-After, never a 500 and never a pass (a refresh the store cannot check is refused).
 */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GrantStoreFullError) {
      throw serviceUnavailable(
        'Too many sign-ins are in progress; try again shortly',
        error.retryAfter,
        error,
      )
    }
    throw serviceUnavailable('Session store unavailable, try again', 5, error)
  }
}

export function guardCodeStore(store: CodeStore): CodeStore {
  return {
    put: (id, grant, ttl) => guard(() => store.put(id, grant, ttl)),
    get: (id) => guard(() => store.get(id)),
    redeem: (id, familyId) => guard(() => store.redeem(id, familyId)),
    close: () => store.close(),
  }
}

export function guardSessionStore(store: SessionStore): SessionStore {
  return {
    create: (family, hash) => guard(() => store.create(family, hash)),
    get: (id) => guard(() => store.get(id)),
    rotate: (id, presented, next) => guard(() => store.rotate(id, presented, next)),
    revoke: (id) => guard(() => store.revoke(id)),
    close: () => store.close(),
  }
}
