import type {
  AccessTokenPayload,
  CompiledGate,
  ConditionLookup,
  GateEvaluation,
  GateOutcome as GateVerdict,
  Requirements,
  ResolvedGate,
} from '../core/index.js'
import {
  claimsSatisfy,
  evaluateGate,
  explainRefusal,
  isEmptyRequirements,
  requirementsRefusal,
  tokenCacheKey,
  tokenLookup,
} from '../core/index.js'
import type { Authorizer } from './authorizer.js'
import type { ResolvedServerOptions } from './options.js'
import type { Refusals } from './refusals.js'
import {
  bearerCandidate,
  countAuthorizationHeaders,
  type RequestAccess,
  readRequestToken,
} from './token-source.js'
import { toGateError } from './upstream.js'

/** Response header that carries a token minted by incremental authorization or revalidation. */
export const NEW_TOKEN_HEADER = 'picket-access-token'

/** The log calls the gate makes (pino's and console's shapes both fit). */
export interface GateLogger {
  debug(message: string): void
  error(object: unknown, message: string): void
}

export interface GateContext<Req> {
  options: ResolvedServerOptions<Req>
  refusals: Refusals
  access: RequestAccess<Req>
  /** Verified claims for a token (through the cache when it is on), domain policy applied. */
  verify(token: string): Promise<AccessTokenPayload>
  /**
   * Verified claims already in the cache, synchronously, by the token's `tokenCacheKey` (absent
   * when the cache is off).
   */
  peekKey?: ((key: string) => AccessTokenPayload | undefined) | undefined
  /** Per connection, its last cache hit (one map per registration, shared by its gates). */
  lastHits: WeakMap<object, CacheHit>
  authorizer: Authorizer
  log(request: Req): GateLogger
}

/** What a gate let through: the token (a new one when `minted`) and its verified claims. */
export interface GateOutcome {
  token: string
  claims: AccessTokenPayload
  /** The token was minted for this request (incremental authorization, revalidation). */
  minted: boolean
  /** How the route's `gate` was met, for the handler (`picketGate`); absent without one. */
  gate?: GateEvaluation
}

/**
 * A cache hit, and the last one on its connection: the whole `Authorization` header, the token
 * in it, the token's cache key and its claims. The next request on that connection with the
 * identical header carries the identical token, so its key is known without hashing the token
 * again (clients send one token over a keep-alive connection; hashing it was most of the hit
 * path's cost). The entry is still looked up in the cache by that key on every request, so
 * expiry, revocation of keys and `retainKeys` apply as before. Kept in a WeakMap keyed by the
 * socket: it goes with the connection, and holds the raw token only while the connection lives
 * (the raw token is a value here, never a map key). `claims` is the current request's: read it
 * before the next request is handled.
 */
export interface CacheHit {
  readonly header: string
  readonly token: string
  readonly key: string
  claims: AccessTokenPayload
  /** How the route's `gate` was met (the current request's), when the route has one. */
  gate?: GateEvaluation | undefined
}

export interface Gate<Req> {
  /**
   * The synchronous cache-hit test, or `undefined` where this gate has none (cookie, revocation
   * check, revalidation, cache off): for a request whose only credential is one `Authorization:
   * Bearer` header with a cached token that meets every check from the token alone, the hit
   * (token and claims); else `undefined` (then call `check`).
   *
   * @param connection the request's socket (the per-connection memo's key), if any
   */
  readonly provenHit:
    | ((
        authorization: string | undefined,
        rawHeaders: readonly string[],
        connection: object | null | undefined,
      ) => CacheHit | undefined)
    | undefined
  /**
   * The whole check. Resolves with the outcome, or `undefined` for an anonymous request to an
   * optional gate; rejects with the adapter's refusal (401/403/503…).
   *
   * @param identified what another gate of the same engine let through for this very request
   *   (Express's `picket()` identifies the wallet before the route's gate): its token was read,
   *   verified and checked for revocation then, so only this gate's requirements remain.
   */
  check(request: Req, identified?: GateOutcome): Promise<GateOutcome | undefined>
}

/** One set of requirements a request must meet, on one chain. */
interface Check {
  readonly requirements: Requirements
  readonly chain: string
  /** The 403 wording for this check (one per cause). */
  readonly refusal: string
  /**
   * Its answer per claims object: the verified-token cache hands out one object per token, so a
   * cache hit looks the answer up instead of running `claimsSatisfy` again (the cache
   * deep-freezes claims, so the answer cannot go stale).
   */
  readonly proven: WeakMap<AccessTokenPayload, boolean>
}

function checkOf(gate: ResolvedGate): Check | undefined {
  if (isEmptyRequirements(gate.requirements)) return undefined
  return {
    requirements: gate.requirements,
    chain: gate.chain,
    refusal: requirementsRefusal(gate.requirements),
    proven: new WeakMap(),
  }
}

/**
 * A gate's verdict from a token's claims, memoised per claims object: the verified-token cache
 * hands out one object per token, so a cache hit costs one WeakMap lookup, not an evaluation.
 */
function gateVerdictsOf(compiled: CompiledGate): (claims: AccessTokenPayload) => GateVerdict {
  const verdicts = new WeakMap<AccessTokenPayload, GateVerdict>()
  return (claims) => {
    let verdict = verdicts.get(claims)
    if (verdict === undefined) {
      verdict = evaluateGate(compiled, tokenLookup(claims))
      verdicts.set(claims, verdict)
    }
    return verdict
  }
}

/**
 * The new token's answers, with those the old token did not have marked as read for this
 * request (`source: 'chain'`): what the handler sees in `picketGate`. On a revalidating route
 * every answer was read now.
 */
function readNow(after: ConditionLookup, before: ConditionLookup, revalidated = false): ConditionLookup {
  return (node) => {
    const known = after(node)
    if (known.source !== 'token' || (!revalidated && before(node).verdict !== undefined)) return known
    return { ...known, source: 'chain' }
  }
}

/** An authority's refusal as the 403 says it: one line, bounded. */
function boundedReason(reason: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const line = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ')
  return line.length > 500 ? `${line.slice(0, 499)}…` : line
}

/** The token proves the check by itself: minted on its chain, its claims meet the requirements. */
function proves(claims: AccessTokenPayload, check: Check): boolean {
  let answer = check.proven.get(claims)
  if (answer === undefined) {
    answer = claims.chain === check.chain && claimsSatisfy(claims, check.requirements)
    check.proven.set(claims, answer)
  }
  return answer
}

/**
 * A route gate, the same for every adapter. A request must meet the registration's own
 * requirements (`floor`, the login rules) and the route's. It never answers a request: it
 * resolves with what it let through, or rejects with the adapter's own typed refusal.
 */
export function createGate<Req>(context: GateContext<Req>, gate: ResolvedGate): Gate<Req> {
  const { options, authorizer, refusals } = context
  const { realm } = options
  const incremental = gate.incremental ?? options.incremental
  const floor = options.floor ? checkOf(options.floor) : undefined
  const route = checkOf(gate)
  // Checks decided from the token; a revalidating route's own check always asks the chain.
  const fromToken = [floor, gate.revalidate ? undefined : route].filter((c): c is Check => c !== undefined)
  const routeGate = gate.gate
  const gateFromToken = routeGate && !gate.revalidate ? gateVerdictsOf(routeGate) : undefined

  /**
   * A gate's requirements apply to one chain: a token minted on another can prove nothing there,
   * and `/authz` would read the token's chain, not the gate's. Refused with a message that says so.
   */
  function assertChain(claims: AccessTokenPayload, check: Check): void {
    if (claims.chain !== check.chain) {
      throw refusals.insufficient(
        realm,
        `this route's requirements apply to ${check.chain}, but the token was signed in on ${claims.chain}`,
      )
    }
  }

  /**
   * Runs the user's revocation check. If it throws (its store is down), the request fails
   * closed with 503 rather than a 500: the client did nothing wrong and may retry.
   */
  async function isRevoked(claims: AccessTokenPayload, request: Req): Promise<boolean> {
    try {
      return await options.isRevoked!(claims, request)
    } catch (error) {
      // An error that carries its own status (e.g. the Redis list's 503) is meant as the answer.
      if (typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error
      context.log(request).error({ err: error }, 'picket: isRevoked threw; refusing with 503')
      throw refusals.unavailable('the revocation check failed', 5, error)
    }
  }

  /** Read, verify (cached) and check for revocation: who the request's token says it is. */
  async function identify(request: Req): Promise<GateOutcome | undefined> {
    const token = await readRequestToken(request, context.access, options, refusals)
    if (token === undefined) return undefined
    let claims: AccessTokenPayload
    try {
      claims = await context.verify(token)
    } catch (error) {
      throw toGateError(error, refusals, realm)
    }
    if (options.isRevoked && (await isRevoked(claims, request))) {
      throw refusals.invalidToken(realm, 'the token has been revoked')
    }
    return { token, claims, minted: false }
  }

  async function check(request: Req, identified?: GateOutcome): Promise<GateOutcome | undefined> {
    const who = identified ?? (await identify(request))
    if (who === undefined) {
      if (gate.optional) return undefined
      throw refusals.noToken(realm)
    }
    let { token, claims } = who
    let minted = who.minted
    for (const current of fromToken) {
      if (proves(claims, current)) continue
      assertChain(claims, current)
      if (!incremental) throw refusals.insufficient(realm, current.refusal)
      const outcome = await authorizer.incremental(token, current.requirements)
      if (!outcome.granted) {
        context.log(request).debug(`picket: /authz refused the wallet: ${outcome.reason}`)
        throw refusals.insufficient(realm, current.refusal)
      }
      ;({ claims, accessToken: token } = outcome)
      minted = true
    }
    if (routeGate) return checkGate(request, routeGate, { token, claims, minted })
    if (gate.revalidate && route) {
      assertChain(claims, route)
      const outcome = await authorizer.revalidate(token, route.requirements)
      if (!outcome.granted) {
        context.log(request).debug(`picket: /authz (revalidate) refused the wallet: ${outcome.reason}`)
        throw refusals.insufficient(realm, route.refusal)
      }
      minted ||= outcome.accessToken !== token
      ;({ claims, accessToken: token } = outcome)
    }
    return { token, claims, minted }
  }

  /**
   * The route's gate: decided from the token when its recorded answers and balances prove it;
   * otherwise `/authz` reads the chain (unless the route says `incremental: false`) and hands
   * back a token that records the answers, so the next request is decided from the token.
   */
  async function checkGate(request: Req, compiled: CompiledGate, who: GateOutcome): Promise<GateOutcome> {
    if (gateFromToken) {
      const known = gateFromToken(who.claims)
      if (known.met === true) return { ...who, gate: known.tree }
      if (gate.incremental === false) {
        throw refusals.insufficient(
          realm,
          known.met === false
            ? explainRefusal(known.tree)
            : "this token does not prove the route's gate (the route has incremental: false, so it decides from the token alone: present a token /authz minted for this gate)",
        )
      }
    }
    const outcome = await authorizer.gate(who.token, compiled, gate.revalidate)
    if (!outcome.granted) {
      context.log(request).debug(`picket: /authz refused the wallet for the gate: ${outcome.reason}`)
      throw refusals.insufficient(realm, boundedReason(outcome.reason))
    }
    const proven = evaluateGate(
      compiled,
      readNow(tokenLookup(outcome.claims), tokenLookup(who.claims), gate.revalidate),
    )
    if (proven.met !== true) {
      // The authority granted, but its token does not prove the gate (another version, or a gate
      // it read differently): never a pass on the authority's word alone.
      context
        .log(request)
        .error({ gate: proven.tree }, "picket: /authz granted a token that does not prove the route's gate")
      throw refusals.insufficient(realm, "the authority's token does not prove this route's gate")
    }
    return {
      token: outcome.accessToken,
      claims: outcome.claims,
      minted: who.minted || outcome.accessToken !== who.token,
      gate: proven.tree,
    }
  }

  // The common case answered synchronously: one bearer header whose token is in the cache and
  // already meets the route. Not with a cookie (header/cookie conflicts need the full read), a
  // revocation check (it may be async) or revalidation (always asks the chain).
  const peekKey = options.cookie || options.isRevoked || gate.revalidate ? undefined : context.peekKey
  const { lastHits } = context
  const provenHit =
    peekKey === undefined
      ? undefined
      : (
          header: string | undefined,
          rawHeaders: readonly string[],
          connection: object | null | undefined,
        ): CacheHit | undefined => {
          if (header === undefined) return undefined
          const last = connection ? lastHits.get(connection) : undefined
          let token: string
          let key: string
          if (last !== undefined && last.header === header) {
            // The identical header: the identical token. Two Authorization headers go the full way.
            if (countAuthorizationHeaders(rawHeaders) !== 1) return undefined
            token = last.token
            key = last.key
          } else {
            const candidate = bearerCandidate(header, rawHeaders)
            if (candidate === undefined) return undefined
            token = candidate
            key = tokenCacheKey(candidate)
          }
          const claims = peekKey(key)
          if (claims === undefined) return undefined
          for (const current of fromToken) if (!proves(claims, current)) return undefined
          let evaluation: GateEvaluation | undefined
          if (gateFromToken) {
            const known = gateFromToken(claims)
            if (known.met !== true) return undefined
            evaluation = known.tree
          }
          if (last !== undefined && last.header === header) {
            last.claims = claims
            last.gate = evaluation
            return last
          }
          const hit: CacheHit = { header, token, key, claims, gate: evaluation }
          if (connection) lastHits.set(connection, hit)
          return hit
        }

  return { provenHit, check }
}
