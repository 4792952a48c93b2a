import createError from '@fastify/error'
import { type BearerErrorCode, bearerChallenge } from '../core/www-authenticate.js'

/**
 * The plugin's errors, made with @fastify/error so they carry `code` and `statusCode` and work
 * with Fastify's default error handler, a user's own `setErrorHandler` and @fastify/auth.
 * Hooks throw these; they never call `reply.send`. Response headers travel on `error.headers`,
 * which Fastify's default error handler applies.
 */
export const PicketNoTokenError = createError('FST_PICKET_NO_TOKEN', 'Authorization required: %s', 401)
export const PicketInvalidTokenError = createError(
  'FST_PICKET_INVALID_TOKEN',
  'Invalid access token: %s',
  401,
)
export const PicketInsufficientError = createError('FST_PICKET_INSUFFICIENT_SCOPE', 'Access denied: %s', 403)
export const PicketUnavailableError = createError(
  'FST_PICKET_UNAVAILABLE',
  'Authorization unavailable: %s',
  503,
)
export const PicketBadRequestError = createError('FST_PICKET_BAD_REQUEST', 'Bad request: %s', 400)
/** `/auth/login` refused the wallet signature (bad, replayed, or its nonce expired). */
export const PicketLoginFailedError = createError('FST_PICKET_LOGIN_FAILED', 'Login failed: %s', 401)
/** Thrown at register time for a bad option or route config; names the option. */
export const PicketOptionsError = createError(
  'FST_PICKET_OPTIONS',
  'fastify-picket: invalid option %s: %s',
  500,
  TypeError,
)

type WithHeaders = Error & { headers?: Record<string, string> }

function challenge<E extends Error>(
  error: E,
  realm: string,
  code?: BearerErrorCode,
  description?: string,
): E {
  ;(error as WithHeaders).headers = {
    'www-authenticate': bearerChallenge({
      realm,
      ...(code ? { error: code } : {}),
      ...(description ? { description } : {}),
    }),
  }
  return error
}

export function noToken(realm: string): Error {
  return challenge(new PicketNoTokenError('no access token was sent'), realm)
}

export function invalidToken(realm: string, reason: string): Error {
  return challenge(new PicketInvalidTokenError(reason), realm, 'invalid_token', reason)
}

export function insufficient(realm: string, reason: string): Error {
  return challenge(new PicketInsufficientError(reason), realm, 'insufficient_scope', reason)
}

export function unavailable(reason: string, retryAfter: number): Error {
  const error = new PicketUnavailableError(reason) as WithHeaders
  error.headers = { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) }
  return error
}

/** No Bearer challenge: no access token was involved, the signature was refused. */
export function loginFailed(reason: string): Error {
  return new PicketLoginFailedError(reason)
}

export function badRequest(reason: string): Error {
  return new PicketBadRequestError(reason)
}
