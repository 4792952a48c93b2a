import { retryAfterSeconds } from '../core/token-errors.js'
import { type BearerErrorCode, bearerChallenge } from '../core/www-authenticate.js'

/**
 * Every way an adapter refuses a request, once: the status, the stable code (Fastify prefixes
 * `FST_`, as its own errors do) and the message's opening words. Both adapters build their
 * error classes from this table, so a 401 in Fastify is the same 401 in Express.
 */
export const REFUSALS = {
  noToken: { status: 401, code: 'PICKET_NO_TOKEN', title: 'Authorization required' },
  invalidToken: { status: 401, code: 'PICKET_INVALID_TOKEN', title: 'Invalid access token' },
  insufficient: { status: 403, code: 'PICKET_INSUFFICIENT_SCOPE', title: 'Access denied' },
  unavailable: { status: 503, code: 'PICKET_UNAVAILABLE', title: 'Authorization unavailable' },
  badRequest: { status: 400, code: 'PICKET_BAD_REQUEST', title: 'Bad request' },
  payloadTooLarge: { status: 413, code: 'PICKET_PAYLOAD_TOO_LARGE', title: 'Payload too large' },
  tooManyRequests: { status: 429, code: 'PICKET_TOO_MANY_REQUESTS', title: 'Too many requests' },
  forbiddenOrigin: { status: 403, code: 'PICKET_FORBIDDEN_ORIGIN', title: 'Forbidden' },
  loginFailed: { status: 401, code: 'PICKET_LOGIN_FAILED', title: 'Login failed' },
} as const

export type RefusalKind = keyof typeof REFUSALS

/** Makes one adapter's error of a kind, its message `${title}: ${reason}`. */
export type ErrorMaker = (kind: RefusalKind, reason: string) => Error

/** An error with the response headers it asks for (`WWW-Authenticate`, `Retry-After`). */
export type WithHeaders = Error & { headers?: Record<string, string> }

/** The refusals of one adapter, with their headers set. */
export interface Refusals {
  noToken(realm: string): Error
  invalidToken(realm: string, reason: string): Error
  insufficient(realm: string, reason: string): Error
  /** 503 with Retry-After; `cause` (kept on the error, so error logs show it) says why. */
  unavailable(reason: string, retryAfter: number, cause?: unknown): Error
  badRequest(reason: string): Error
  payloadTooLarge(reason: string): Error
  tooManyRequests(reason: string): Error
  forbiddenOrigin(reason: string): Error
  /** No Bearer challenge: no access token was involved, the signature was refused. */
  loginFailed(reason: string): Error
}

export function createRefusals(make: ErrorMaker): Refusals {
  function challenge(error: Error, realm: string, code?: BearerErrorCode, description?: string): Error {
    ;(error as WithHeaders).headers = {
      'www-authenticate': bearerChallenge({
        realm,
        ...(code ? { error: code } : {}),
        ...(description ? { description } : {}),
      }),
    }
    return error
  }
  return {
    noToken: (realm) => challenge(make('noToken', 'no access token was sent'), realm),
    invalidToken: (realm, reason) => challenge(make('invalidToken', reason), realm, 'invalid_token', reason),
    insufficient: (realm, reason) =>
      challenge(make('insufficient', reason), realm, 'insufficient_scope', reason),
    unavailable(reason, retryAfter, cause) {
      const error = make('unavailable', reason) as WithHeaders
      if (cause !== undefined) error.cause = cause
      error.headers = { 'retry-after': String(retryAfterSeconds(retryAfter)) }
      return error
    },
    badRequest: (reason) => make('badRequest', reason),
    payloadTooLarge: (reason) => make('payloadTooLarge', reason),
    tooManyRequests: (reason) => make('tooManyRequests', reason),
    forbiddenOrigin: (reason) => make('forbiddenOrigin', reason),
    loginFailed: (reason) => make('loginFailed', reason),
  }
}
