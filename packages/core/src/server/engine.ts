import { createRemoteVerifier } from '../client/index.js'
import type { AccessTokenPayload, ResolvedGate, TokenVerifier } from '../core/index.js'
import {
  canonicalTokenProblem,
  createLocalVerifier,
  InvalidTokenError,
  VerifiedTokenCache,
  type VerifiedTokenCacheStats,
} from '../core/index.js'
import { isAllowedDomain } from './allowed-domain.js'
import { type Authorizer, createAuthorizer } from './authorizer.js'
import { registerCacheMetrics } from './cache-metrics.js'
import { type CacheHit, createGate, type Gate, type GateLogger } from './gate.js'
import type { ResolvedServerOptions } from './options.js'
import type { Refusals } from './refusals.js'
import type { RequestAccess } from './token-source.js'

/** How long a refused token is remembered (a flood of one bad token costs one verification). */
const REFUSAL_TTL_MS = 10_000

/** The log calls the engine makes outside requests (startup, key refreshes). */
export interface EngineLogger {
  info(message: string): void
  warn(object: unknown, message: string): void
}

/** What one adapter registration runs on: verification, the cache, `/authz`, and its gates. */
export interface PicketEngine<Req> {
  readonly options: ResolvedServerOptions<Req>
  readonly refusals: Refusals
  /** Verified claims for a token (through the cache when it is on), domain policy applied. */
  verify(token: string): Promise<AccessTokenPayload>
  readonly authorizer: Authorizer
  /** A gate for one route (or one scope-wide gate). */
  gate(resolved: ResolvedGate): Gate<Req>
  /**
   * Fetches the key set now and then every `verify.maxAge` (local verification with a JWKS URL;
   * otherwise does nothing). Resolves once the first fetch is done (a failure is logged, not
   * thrown: requests fail closed until it works). Call the returned `stop` on shutdown.
   */
  watchKeySet(log: EngineLogger, product: string): { ready: Promise<void>; stop(): void }
  /** The verified-token cache's counters (`undefined` with `cache: false`). */
  cacheStats(): VerifiedTokenCacheStats | undefined
  /** Removes what the engine put outside itself (its metrics from the user's registry). */
  close(): void
}

function createVerifier<Req>(options: ResolvedServerOptions<Req>): TokenVerifier {
  if (options.verify) return createLocalVerifier(options.verify)
  return createRemoteVerifier(
    options.client,
    options.audience === undefined ? {} : { audience: options.audience },
  )
}

/**
 * The checks a token must pass before its claims are trusted (and cached): verification, one
 * canonical spelling (no base64url or ECDSA malleability, which would give one token many cache
 * keys), and the site it was signed in on. All run when a token enters the cache, never on a hit.
 */
function createTokenCheck<Req>(options: ResolvedServerOptions<Req>, verifier: TokenVerifier) {
  const { allowedDomains, acceptTokensWithoutDomain } = options
  return async (token: string): Promise<AccessTokenPayload> => {
    const problem = canonicalTokenProblem(token)
    if (problem) throw new InvalidTokenError(problem)
    const claims = await verifier.verify(token)
    if (allowedDomains) {
      if (claims.domain === undefined) {
        if (!acceptTokensWithoutDomain) {
          throw new InvalidTokenError('the token names no site it was signed in on (no domain claim)')
        }
      } else if (!isAllowedDomain(claims.domain, allowedDomains)) {
        throw new InvalidTokenError(`the token was signed in on another site (${claims.domain})`)
      }
    }
    return claims
  }
}

export function createPicketEngine<Req>(settings: {
  options: ResolvedServerOptions<Req>
  refusals: Refusals
  access: RequestAccess<Req>
  log(request: Req): GateLogger
}): PicketEngine<Req> {
  const { options, refusals } = settings
  const verifier = createVerifier(options)
  const checkToken = createTokenCheck(options, verifier)
  const cache =
    options.cache === false
      ? undefined
      : new VerifiedTokenCache({ ...options.cache, refusalTtl: REFUSAL_TTL_MS })
  const verify = cache ? (token: string) => cache.get(token, checkToken) : checkToken
  const unregisterMetrics =
    cache && options.metrics ? registerCacheMetrics(options.metrics, () => cache.stats()) : undefined
  const authorizer = createAuthorizer({
    client: options.client,
    verifyIssuedToken: verify,
    cache: options.revalidateCache,
    realm: options.realm,
    refusals,
  })
  const context = {
    options,
    refusals,
    access: settings.access,
    verify,
    peekKey: cache ? (key: string) => cache.peekKey(key) : undefined,
    lastHits: new WeakMap<object, CacheHit>(),
    authorizer,
    log: settings.log,
  }

  function watchKeySet(log: EngineLogger, product: string) {
    if (!verifier.warmUp) return { ready: Promise.resolve(), stop() {} }
    let timer: NodeJS.Timeout | undefined
    let stopped = false
    const refresh = async () => {
      try {
        const kids = await verifier.refreshKeys!()
        const dropped = cache?.retainKeys((kid) => kids.has(kid)) ?? 0
        if (dropped > 0) {
          log.info(`${product}: dropped ${dropped} cached token(s) whose signing key left the JWKS`)
        }
      } catch (error) {
        log.warn({ err: error }, `${product}: ${(error as Error).message}; the keys held stay in use`)
      }
    }
    // A JWKS URL that does not work is named in the log now, not discovered through 503s.
    const ready = verifier
      .warmUp()
      .catch((error: unknown) => {
        log.warn(
          { err: error },
          `${product}: ${(error as Error).message}; gated requests answer 503 until it can be fetched`,
        )
      })
      .then(() => {
        if (stopped) return
        // A key removed from the set stops verifying within `maxAge`; cached tokens signed with
        // it are dropped at the refresh that finds it gone.
        timer = setInterval(refresh, options.verify!.maxAge)
        timer.unref()
      })
    return {
      ready,
      stop() {
        stopped = true
        clearInterval(timer)
      },
    }
  }

  return {
    options,
    refusals,
    verify,
    authorizer,
    gate: (resolved) => createGate(context, resolved),
    watchKeySet,
    cacheStats: () => cache?.stats(),
    close: () => unregisterMetrics?.(),
  }
}
