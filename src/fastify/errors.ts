import createError from '@fastify/error'
import { createRefusals, REFUSALS, type RefusalKind, type WithHeaders } from 'picket-core/server'

/**
 * The plugin's errors, made with @fastify/error so they carry `code` and `statusCode` and work
 * with Fastify's default error handler, a user's own `setErrorHandler` and @fastify/auth.
 * Status, code and wording come from picket-core's one table (`REFUSALS`), shared with the
 * Express middleware. Hooks throw these; they never call `reply.send`. Response headers
 * (`WWW-Authenticate`, `Retry-After`) travel on `error.headers`; the plugin's `onError` hook
 * copies them onto the reply before any error handler runs, so a custom handler that only sets
 * status and body still sends them (see plugin.ts).
 */
function refusalError(kind: RefusalKind) {
  const { code, title, status } = REFUSALS[kind]
  return createError(`FST_${code}`, `${title}: %s`, status)
}

export const PicketNoTokenError = refusalError('noToken')
export const PicketInvalidTokenError = refusalError('invalidToken')
export const PicketInsufficientError = refusalError('insufficient')
export const PicketUnavailableError = refusalError('unavailable')
export const PicketBadRequestError = refusalError('badRequest')
/** A helper-route body over the limit (the plugin's or the API's); the message names it. */
export const PicketPayloadTooLargeError = refusalError('payloadTooLarge')
/** A helper route's rate limit (per IP or per wallet) is exceeded; Retry-After says when to retry. */
export const PicketTooManyRequestsError = refusalError('tooManyRequests')
/** `/auth/logout` with a session cookie, from a page that is not one of the server's sites. */
export const PicketForbiddenOriginError = refusalError('forbiddenOrigin')
/** `/auth/login` refused the wallet signature (bad, replayed, or its nonce expired). */
export const PicketLoginFailedError = refusalError('loginFailed')
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

const CLASSES = {
  noToken: PicketNoTokenError,
  invalidToken: PicketInvalidTokenError,
  insufficient: PicketInsufficientError,
  unavailable: PicketUnavailableError,
  badRequest: PicketBadRequestError,
  payloadTooLarge: PicketPayloadTooLargeError,
  tooManyRequests: PicketTooManyRequestsError,
  forbiddenOrigin: PicketForbiddenOriginError,
  loginFailed: PicketLoginFailedError,
} as const satisfies Record<RefusalKind, unknown>

/** The plugin's refusals: picket-core's rules, this plugin's error classes. */
export const refusals = createRefusals((kind, reason) => new CLASSES[kind](reason))

export type PicketOptionsErrorDetails = Error & { path: string; problem: string }

/** A `PicketOptionsError` with `path` and `problem` set: the one error factory of option checks. */
export function optionsError(path: string, problem: string): PicketOptionsErrorDetails {
  const error = new PicketOptionsError(path, problem) as unknown as PicketOptionsErrorDetails
  error.path = path
  error.problem = problem
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
