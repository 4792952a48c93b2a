import type { FastifyRequest } from 'fastify'
import { errorReplyFor } from '../error-reply.js'
import { OAuthError } from '../oauth/errors.js'

/**
 * How a login request ended, for the `picket_authority_logins_total` counter: `success`, or the
 * code of the refusal (`signature_invalid`, `permission_denied`, `chain_unavailable`,
 * `rate_limited`, `service_unavailable`, `parameter_invalid`, …; OAuth's own codes such as
 * `invalid_request` for an authorization request refused before any wallet login). Kept beside
 * the request, not on it, like request-context.ts.
 */
const outcomes = new WeakMap<FastifyRequest, string>()

export function noteLoginOutcome(request: FastifyRequest, outcome: string): void {
  outcomes.set(request, outcome)
}

/** Notes the refusal `error` stands for (its wire code), unless an outcome is noted already. */
export function noteLoginError(request: FastifyRequest, error: unknown): void {
  if (!outcomes.has(request)) outcomes.set(request, refusalCode(error))
}

export function loginOutcomeOf(request: FastifyRequest): string | undefined {
  return outcomes.get(request)
}

/** The code a refusal answers with: the Picket code of `/auth`, the cause behind an OAuth error. */
export function refusalCode(error: unknown): string {
  if (error instanceof OAuthError) return error.error
  return errorReplyFor(error, 0).body.code
}
