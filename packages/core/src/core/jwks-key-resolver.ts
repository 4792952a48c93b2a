import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose'

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>

/** A resolver over a JWKS URL, which can be fetched ahead of the first token. */
export interface RemoteKeyResolver extends KeyResolver {
  /** Fetches the key set now; rejects with a `KeySetUnavailableError` naming the URL and the cause. */
  warm(): Promise<void>
  /** Fetches the key set again and answers its key ids (`''` for a key without one). */
  refresh(): Promise<Set<string>>
}

/** The key set could not be fetched; the message names the URL and why (for the server log). */
export class KeySetUnavailableError extends Error {
  readonly code = 'PICKET_JWKS_UNAVAILABLE'
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the JWKS at ${url} could not be fetched: ${reason}`, options)
    this.name = 'KeySetUnavailableError'
  }
}

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
  if (error instanceof KeySetUnavailableError) return true
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
export function createRemoteKeyResolver(url: URL, options: RemoteKeySetOptions = {}): RemoteKeyResolver {
  const timeout = options.timeout ?? 5000
  // The status of the last answer, so a failure can say "answered HTTP 404" (jose only says
  // that it was not 200).
  let lastStatus: number | undefined
  let fetches = 0
  const cooldown = options.cooldown ?? 30_000
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: timeout,
    cooldownDuration: cooldown,
    cacheMaxAge: options.maxAge ?? 600_000,
    [customFetch]: async (input, init) => {
      lastStatus = undefined
      fetches++
      const response = await fetch(input, init)
      lastStatus = response.status
      return response
    },
  })
  const explain = (error: unknown): unknown => {
    if (!isFetchFailure(error) || error instanceof KeySetUnavailableError) return error
    return new KeySetUnavailableError(url.href, reasonOf(error, lastStatus, timeout), { cause: error })
  }
  let staleSource: JSONWebKeySet | undefined
  let staleResolver: KeyResolver | undefined
  // Key ids seen in any fetched key set: a kid among them that is no longer published was
  // removed (invalid); one never seen may be new (cannot tell until the next fetch).
  const seenKids = new Set<string>()
  let seenSource: JSONWebKeySet | undefined
  const noteKids = () => {
    const current = remote.jwks()
    if (!current || current === seenSource) return
    seenSource = current
    for (const key of current.keys) {
      if (typeof key.kid === 'string' && seenKids.size < 1000) seenKids.add(key.kid)
    }
  }
  let lastUnknownKidFetch = Number.NEGATIVE_INFINITY
  const resolve: KeyResolver = async (header, token) => {
    const fetchesBefore = fetches
    try {
      const key = await remote(header, token)
      noteKids()
      return key
    } catch (caught) {
      let failure = caught
      noteKids()
      // An unknown kid while jose holds off refetching: jose's cooldown starts at every fetch,
      // the periodic refresh included, so a key published since would be "invalid" (401, which
      // signs a user out) for up to a cooldown after each refresh. Refetch for it anyway, but at
      // most once per cooldown of our own, which only unknown kids spend (not the refresh):
      // random kids cost at most one fetch per cooldown, a rotation is picked up at once.
      const newKid = typeof header.kid !== 'string' || !seenKids.has(header.kid)
      if (
        failure instanceof errors.JWKSNoMatchingKey &&
        newKid &&
        fetches === fetchesBefore &&
        Date.now() - lastUnknownKidFetch >= cooldown
      ) {
        lastUnknownKidFetch = Date.now()
        try {
          await remote.reload()
          noteKids()
          return await remote(header, token)
        } catch (retryFailure) {
          failure = retryFailure
        }
      }
      const error = explain(failure)
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
  async function warm(): Promise<void> {
    try {
      await remote.reload()
      noteKids()
    } catch (error) {
      throw explain(error)
    }
  }
  return Object.assign(resolve, {
    warm,
    async refresh(): Promise<Set<string>> {
      await warm()
      noteKids()
      return new Set((remote.jwks()?.keys ?? []).map((key) => (typeof key.kid === 'string' ? key.kid : '')))
    },
  })
}

/** Why a key set fetch failed, in words for a log line. */
function reasonOf(error: unknown, status: number | undefined, timeout: number): string {
  if (error instanceof errors.JWKSTimeout) return `no answer within ${timeout} ms`
  if (error instanceof errors.JWKSInvalid) return 'the answer is not a JSON Web Key Set'
  if (status !== undefined && status !== 200) return `it answered HTTP ${status}`
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    const detail =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : ''
    return detail === '' ? error.message : `${error.message} (${detail})`
  }
  return String(error)
}

/** A resolver over a fixed key set (keys passed in options, no network). */
export function createStaticKeyResolver(keySet: JSONWebKeySet): KeyResolver {
  return createLocalJWKSet(keySet)
}

export { isFetchFailure as isKeySetFetchFailure }
