import createError from '@fastify/error'
import { type BearerErrorCode, bearerChallenge, retryAfterSeconds } from 'picket-core'

/**
 * The plugin's errors, made with @fastify/error so they carry `code` and `statusCode` and work
 * with Fastify's default error handler, a user's own `setErrorHandler` and @fastify/auth.
 * Hooks throw these; they never call `reply.send`. Response headers (`WWW-Authenticate`,
 * `Retry-After`) travel on `error.headers`; the plugin's `onError` hook copies them onto the
 * reply before any error handler runs, so a custom handler that only sets status and body
 * still sends them (see plugin.ts).
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
/** A helper-route body over the limit (the plugin's or the API's); the message names it. */
export const PicketPayloadTooLargeError = createError(
  'FST_PICKET_PAYLOAD_TOO_LARGE',
  'Payload too large: %s',
  413,
)
/** A helper route's rate limit (per IP or per wallet) is exceeded; Retry-After says when to retry. */
export const PicketTooManyRequestsError = createError(
  'FST_PICKET_TOO_MANY_REQUESTS',
  'Too many requests: %s',
  429,
)
/** `/auth/logout` with a session cookie, from a page that is not one of the server's sites. */
export const PicketForbiddenOriginError = createError('FST_PICKET_FORBIDDEN_ORIGIN', 'Forbidden: %s', 403)
/** `/auth/login` refused the wallet signature (bad, replayed, or its nonce expired). */
export const PicketLoginFailedError = createError('FST_PICKET_LOGIN_FAILED', 'Login failed: %s', 401)
/**
 * Thrown at register time for a bad option or route config. The message names where
 * (`verify.issuer`, `config.picket.requirements of GET /holders`) and what to write instead;
 * `path` and `problem` hold the two parts.
 */
export const PicketOptionsError = createError('FST_PICKET_OPTIONS', 'fastify-picket: %s: %s', 500, TypeError)
/**
 * `ready` refuses to start: a route declares `config.picket` but no fastify-picket registration
 * gates it (the plugin was not awaited, was registered after the route, or in another scope).
 */
export const PicketUngatedRouteError = createError('FST_PICKET_UNGATED_ROUTE', 'fastify-picket: %s', 500)

export type PicketOptionsErrorDetails = Error & { path: string; problem: string }

/** A `PicketOptionsError` with `path` and `problem` set: the one error factory of option checks. */
export function optionsError(path: string, problem: string): PicketOptionsErrorDetails {
  const error = new PicketOptionsError(path, problem) as unknown as PicketOptionsErrorDetails
  error.path = path
  error.problem = problem
  return error
}

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

/** 503 with Retry-After; `cause` (kept on the error, so Fastify's error log shows it) says why. */
export function unavailable(reason: string, retryAfter: number, cause?: unknown): Error {
  const error = new PicketUnavailableError(reason) as WithHeaders
  if (cause !== undefined) error.cause = cause
  error.headers = { 'retry-after': String(retryAfterSeconds(retryAfter)) }
  return error
}

const ERRORS_WITH_HEADERS = [
  PicketNoTokenError,
  PicketInvalidTokenError,
  PicketInsufficientError,
  PicketUnavailableError,
]

/** The response headers one of this plugin's errors asks for, if it is one that has any. */
export function headersOf(error: unknown): Record<string, string> | undefined {
  if (!ERRORS_WITH_HEADERS.some((type) => error instanceof type)) return undefined
  return (error as WithHeaders).headers
}

/** No Bearer challenge: no access token was involved, the signature was refused. */
export function loginFailed(reason: string): Error {
  return new PicketLoginFailedError(reason)
}

export function badRequest(reason: string): Error {
  return new PicketBadRequestError(reason)
}

export function payloadTooLarge(reason: string): Error {
  return new PicketPayloadTooLargeError(reason)
}

export function tooManyRequests(reason: string): Error {
  return new PicketTooManyRequestsError(reason)
}

export function forbiddenOrigin(reason: string): Error {
  return new PicketForbiddenOriginError(reason)
}
