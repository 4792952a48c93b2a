import type { FastifyReply, FastifyRequest } from 'fastify'
import { chainTypeOf } from '../core/chain-type.js'
import { meetsRequirements } from '../core/meets-requirements.js'
import { requirementsRefusal } from '../core/refusal.js'
import { isAllowedWallet, isEmptyRequirements } from '../core/requirements.js'
import { InvalidTokenError, VerifierUnavailableError } from '../core/token-errors.js'
import type { AccessTokenPayload, Requirements } from '../core/types.js'
import type { Authorizer } from './authorizer.js'
import { insufficient, invalidToken, noToken, unavailable } from './errors.js'
import type { ResolvedOptions } from './options.js'
import type { ResolvedGate } from './route-config.js'
import { bearerCandidate, readRequestToken } from './token-source.js'

/** Response header that carries a token minted by incremental authorization or revalidation. */
export const NEW_TOKEN_HEADER = 'picket-access-token'

export interface GateContext {
  options: ResolvedOptions
  /** Verified claims for a token (through the cache when it is on). */
  verify(token: string): Promise<AccessTokenPayload>
  /** Verified claims already in the cache, synchronously (absent when the cache is off). */
  peek?: (token: string) => AccessTokenPayload | undefined
  authorizer: Authorizer
}

/** Picket's OR: any satisfied token category, or the wallet on `allowedWallets` (§6.2). */
export function satisfies(claims: AccessTokenPayload, requirements: Requirements): boolean {
  return (
    isEmptyRequirements(requirements) ||
    meetsRequirements(claims, requirements) ||
    isAllowedWallet(claims.walletAddress, requirements, chainTypeOf(claims.chain))
  )
}

/**
 * A hook in Fastify's callback style (`done`), so that a cache hit is answered without a
 * promise or an await; works as `onRequest`/`preValidation`/`preHandler` and with @fastify/auth.
 */
export type GateHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void

/**
 * The route gate. It hands the plugin's typed errors to `done` (Fastify treats them exactly as
 * thrown ones, so error handlers and @fastify/auth compose) and never sends a reply itself.
 */
export function createGateHook(context: GateContext, gate: ResolvedGate): GateHook {
  const { options, authorizer } = context
  const { realm } = options
  const incremental = gate.incremental ?? options.incremental
  const refusal = requirementsRefusal(gate.requirements)

  /**
   * The whole check: read and validate the token, verify it (cached), run the revocation check,
   * then the requirements, asking `/authz` for incremental authorization or revalidation.
   */
  async function check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = await readRequestToken(request, options)
    if (token === undefined) {
      if (gate.optional) return
      throw noToken(realm)
    }
    request.picketToken = token
    let claims: AccessTokenPayload
    try {
      claims = await context.verify(token)
    } catch (error) {
      throw toGateError(error, realm)
    }
    if (options.isRevoked && (await checkRevoked(options.isRevoked, claims, request))) {
      throw invalidToken(realm, 'the token has been revoked')
    }

    // A revalidating route always asks the chain; otherwise the token's own balances decide first.
    if (gate.revalidate || !satisfies(claims, gate.requirements)) {
      if (!gate.revalidate && !incremental) throw insufficient(realm, refusal)
      const outcome = gate.revalidate
        ? await authorizer.revalidate(token, gate.requirements)
        : await authorizer.incremental(token, gate.requirements)
      if (!outcome.granted) {
        request.log.debug(`fastify-picket: /authz refused the wallet: ${outcome.reason}`)
        throw insufficient(realm, refusal)
      }
      claims = outcome.claims
      request.picketToken = outcome.accessToken
      reply.header(NEW_TOKEN_HEADER, outcome.accessToken)
    }
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
      if (claims !== undefined && satisfies(claims, gate.requirements)) {
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
