import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose'

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>

export interface RemoteKeySetOptions {
  /** Abort a JWKS fetch after this many ms (default 5000). */
  timeout?: number
  /** Minimum ms between refetches triggered by an unknown `kid` (default 30 s). */
  cooldown?: number
  /** Refetch keys this old, in ms (default 10 min). */
  maxAge?: number
}

/** Errors that mean "the key set could not be fetched", as opposed to "this token is bad". */
function isFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true
  if (error instanceof errors.JWKSInvalid) return true
  // jose throws a plain JOSEError for a non-200 answer, and fetch throws TypeError on a
  // refused connection; neither says anything about the token.
  if (error instanceof TypeError) return true
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC'
}

/**
 * A remote JWKS resolver that keeps working through an outage: jose's `createRemoteJWKSet`
 * (single fetch in flight, cooldown, max age) plus stale-if-error. When a scheduled refetch
 * fails, tokens signed by keys we already hold keep verifying; only a token whose `kid` we have
 * never seen needs the endpoint, and then the fetch failure surfaces (→ 503, fail closed).
 */
export function createRemoteKeyResolver(url: URL, options: RemoteKeySetOptions = {}): KeyResolver {
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: options.timeout ?? 5000,
    cooldownDuration: options.cooldown ?? 30_000,
    cacheMaxAge: options.maxAge ?? 600_000,
  })
  let staleSource: JSONWebKeySet | undefined
  let staleResolver: KeyResolver | undefined
  return async (header, token) => {
    try {
      return await remote(header, token)
    } catch (error) {
      const lastKnown = isFetchFailure(error) ? remote.jwks() : undefined
      if (!lastKnown) throw error
      if (staleSource !== lastKnown) {
        staleSource = lastKnown
        staleResolver = createLocalJWKSet(lastKnown)
      }
      try {
        return await staleResolver!(header, token)
      } catch (staleError) {
        // A kid we have never seen may be a new key we cannot fetch right now: that is "cannot
        // tell" (503, retry), not "invalid" (401, sign in again).
        if (staleError instanceof errors.JWKSNoMatchingKey) throw error
        throw staleError
      }
    }
  }
}

/** A resolver over a fixed key set (keys passed in options, no network). */
export function createStaticKeyResolver(keySet: JSONWebKeySet): KeyResolver {
  return createLocalJWKSet(keySet)
}

export { isFetchFailure as isKeySetFetchFailure }
