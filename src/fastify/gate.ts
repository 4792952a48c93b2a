import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccessTokenPayload, Requirements, ResolvedGate } from 'picket-core'
import {
  claimsSatisfy,
  InvalidTokenError,
  isEmptyRequirements,
  requirementsRefusal,
  VerifierUnavailableError,
} from 'picket-core'
import type { Authorizer } from './authorizer.js'
import { insufficient, invalidToken, noToken, unavailable } from './errors.js'
import type { ResolvedOptions } from './options.js'
import { bearerCandidate, readRequestToken } from './token-source.js'

/** Response header that carries a token minted by incremental authorization or revalidation. */
export const NEW_TOKEN_HEADER = 'picket-access-token'

export interface GateContext {
  options: ResolvedOptions
  /** Verified claims for a token (through the cache when it is on), domain policy applied. */
  verify(token: string): Promise<AccessTokenPayload>
  /** Verified claims already in the cache, synchronously (absent when the cache is off). */
  peek?: (token: string) => AccessTokenPayload | undefined
  authorizer: Authorizer
}

/**
 * Picket's OR (any satisfied token category, or the wallet on `allowedWallets`, §6.2), decided
 * from the token's claims alone, as the plugin's gates and the authority decide it.
 */
export function satisfies(claims: AccessTokenPayload, requirements: Requirements): boolean {
  return claimsSatisfy(claims, requirements)
}

/**
 * A hook in Fastify's callback style (`done`), so that a cache hit is answered without a
 * promise or an await; works as `onRequest`/`preValidation`/`preHandler` and with @fastify/auth.
 */
export type GateHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void

/** One set of requirements a request must meet, on one chain. */
interface Check {
  readonly requirements: Requirements
  readonly chain: string
  /** The 403 wording for this check (one per cause). */
  readonly refusal: string
}

function checkOf(gate: ResolvedGate): Check | undefined {
  if (isEmptyRequirements(gate.requirements)) return undefined
  return {
    requirements: gate.requirements,
    chain: gate.chain,
    refusal: requirementsRefusal(gate.requirements),
  }
}

/** The token proves the check by itself: minted on its chain, its claims meet the requirements. */
function proves(claims: AccessTokenPayload, check: Check): boolean {
  return claims.chain === check.chain && claimsSatisfy(claims, check.requirements)
}

/**
 * The route gate. A request must meet the registration's own requirements (`floor`, the login
 * rules) and the route's. It hands the plugin's typed errors to `done` (Fastify treats them
 * exactly as thrown ones, so error handlers and @fastify/auth compose) and never sends a reply.
 */
export function createGateHook(context: GateContext, gate: ResolvedGate): GateHook {
  const { options, authorizer } = context
  const { realm } = options
  const incremental = gate.incremental ?? options.incremental
  const floor = options.floor ? checkOf(options.floor) : undefined
  const route = checkOf(gate)
  // Checks decided from the token; a revalidating route's own check always asks the chain.
  const fromToken = [floor, gate.revalidate ? undefined : route].filter((c): c is Check => c !== undefined)

  /** Meets every check from the token's claims, without I/O: the cache-hit test. */
  function provenByToken(claims: AccessTokenPayload): boolean {
    for (const check of fromToken) if (!proves(claims, check)) return false
    return true
  }

  /**
   * The whole check: read and validate the token, verify it (cached), run the revocation check,
   * then each set of requirements, asking `/authz` for incremental authorization or revalidation.
   */
  async function check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let token = await readRequestToken(request, options)
    if (token === undefined) {
      if (gate.optional) return
      throw noToken(realm)
    }
    let claims: AccessTokenPayload
    try {
      claims = await context.verify(token)
    } catch (error) {
      throw toGateError(error, realm)
    }
    if (options.isRevoked && (await checkRevoked(options.isRevoked, claims, request))) {
      throw invalidToken(realm, 'the token has been revoked')
    }
    let minted = false
    for (const current of fromToken) {
      if (proves(claims, current)) continue
      assertChain(claims, current, realm)
      if (!incremental) throw insufficient(realm, current.refusal)
      const outcome = await authorizer.incremental(token, current.requirements)
      if (!outcome.granted) {
        request.log.debug(`fastify-picket: /authz refused the wallet: ${outcome.reason}`)
        throw insufficient(realm, current.refusal)
      }
      ;({ claims, accessToken: token } = outcome)
      minted = true
    }
    if (gate.revalidate && route) {
      assertChain(claims, route, realm)
      const outcome = await authorizer.revalidate(token, route.requirements)
      if (!outcome.granted) {
        request.log.debug(`fastify-picket: /authz (revalidate) refused the wallet: ${outcome.reason}`)
        throw insufficient(realm, route.refusal)
      }
      minted ||= outcome.accessToken !== token
      ;({ claims, accessToken: token } = outcome)
    }
    if (minted) reply.header(NEW_TOKEN_HEADER, token)
    request.picketToken = token
    request.picketUser = claims
  }

  // The common case answered synchronously: one bearer header whose token is in the cache and
  // already meets the route. Not with a cookie (header/cookie conflicts need the full read), a
  // revocation check (it may be async) or revalidation (always asks the chain).
  const peek = options.cookie || options.isRevoked || gate.revalidate ? undefined : context.peek

  return function picketGate(
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ): void {
    if (peek) {
      const token = bearerCandidate(request)
      const claims = token === undefined ? undefined : peek(token)
      if (claims !== undefined && provenByToken(claims)) {
        request.picketToken = token!
        request.picketUser = claims
        done()
        return
      }
    }
    check(request, reply).then(() => done(), done)
  }
}

/**
 * A gate's requirements apply to one chain: a token minted on another can prove nothing there,
 * and `/authz` would read the token's chain, not the gate's. Refused with a message that says so.
 */
function assertChain(claims: AccessTokenPayload, check: Check, realm: string): void {
  if (claims.chain !== check.chain) {
    throw insufficient(
      realm,
      `this route's requirements apply to ${check.chain}, but the token was signed in on ${claims.chain}`,
    )
  }
}

/**
 * Runs the user's revocation check. If it throws (its store is down), the request fails
 * closed with 503 rather than a 500: the client did nothing wrong and may retry.
 */
async function checkRevoked(
  isRevoked: NonNullable<ResolvedOptions['isRevoked']>,
  claims: AccessTokenPayload,
  request: FastifyRequest,
): Promise<boolean> {
  try {
    return await isRevoked(claims, request)
  } catch (error) {
    // An error that carries its own status (e.g. the Redis list's 503) is meant as the answer.
    if (typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error
    request.log.error({ err: error }, 'fastify-picket: isRevoked threw; refusing with 503')
    throw unavailable('the revocation check failed', 5, error)
  }
}

export function toGateError(error: unknown, realm: string): unknown {
  if (error instanceof InvalidTokenError) return invalidToken(realm, error.message)
  if (error instanceof VerifierUnavailableError)
    return unavailable(error.message, error.retryAfter, error.cause)
  return error
}
