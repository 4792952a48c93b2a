import { STATUS_CODES } from 'node:http'
import { createRefusals, REFUSALS, type RefusalKind } from 'picket-core/server'

/**
 * An express-picket refusal, shaped for Express's error flow (`next(err)`) as http-errors and
 * express-oauth2-jwt-bearer shape theirs: `status` and `statusCode` (Express's final handler
 * answers with them), a stable `code`, the response `headers` (`WWW-Authenticate`,
 * `Retry-After`; the final handler and `picketErrorHandler()` send them) and `expose` (the
 * message is meant for the client). Status, code and wording come from picket-core's one table,
 * shared with the Fastify plugin.
 */
export class PicketError extends Error {
  readonly status: number
  readonly statusCode: number
  readonly code: string
  readonly expose = true
  headers?: Record<string, string>
  constructor(kind: RefusalKind, reason: string) {
    const { status, code, title } = REFUSALS[kind]
    super(`${title}: ${reason}`)
    this.name = 'PicketError'
    this.status = status
    this.statusCode = status
    this.code = code
  }
}

function refusalClass(kind: RefusalKind, name: string) {
  const type = class extends PicketError {
    constructor(reason: string) {
      super(kind, reason)
      this.name = name
    }
  }
  Object.defineProperty(type, 'name', { value: name })
  return type
}

export const PicketNoTokenError = refusalClass('noToken', 'PicketNoTokenError')
export const PicketInvalidTokenError = refusalClass('invalidToken', 'PicketInvalidTokenError')
export const PicketInsufficientError = refusalClass('insufficient', 'PicketInsufficientError')
export const PicketUnavailableError = refusalClass('unavailable', 'PicketUnavailableError')
export const PicketBadRequestError = refusalClass('badRequest', 'PicketBadRequestError')
export const PicketPayloadTooLargeError = refusalClass('payloadTooLarge', 'PicketPayloadTooLargeError')
export const PicketTooManyRequestsError = refusalClass('tooManyRequests', 'PicketTooManyRequestsError')
export const PicketForbiddenOriginError = refusalClass('forbiddenOrigin', 'PicketForbiddenOriginError')
export const PicketLoginFailedError = refusalClass('loginFailed', 'PicketLoginFailedError')

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

/** The middleware's refusals: picket-core's rules, these error classes. */
export const refusals = createRefusals((kind, reason) => new CLASSES[kind](reason))

/**
 * A bad option, gate or setup: thrown where it is written (`picket()`, `requireWallet()`,
 * `picketRouter()`), or handed to `next()` as a 500 when it can only be seen on a request (a gate
 * before `picket()`, a route whose gate runs after its handler). The message names where and
 * what to write instead; `path` and `problem` hold the two parts.
 */
export class PicketOptionsError extends TypeError {
  readonly code = 'PICKET_OPTIONS'
  readonly status = 500
  readonly statusCode = 500
  readonly expose = false
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`express-picket: ${path}: ${problem}`)
    this.name = 'PicketOptionsError'
  }
}

/** Setup errors already written to the app's log (`picket()` logs its own once, with its logger). */
const logged = new WeakSet<Error>()
export const markLogged = (error: Error): void => void logged.add(error)
export const wasLogged = (error: Error): boolean => logged.has(error)

export function optionsError(path: string, problem: string): PicketOptionsError {
  return new PicketOptionsError(path, problem)
}

/** The JSON body of a refusal: the shape Fastify's error handler gives the plugin's errors. */
export function refusalBody(error: PicketError): {
  statusCode: number
  code: string
  error: string
  message: string
} {
  return {
    statusCode: error.status,
    code: error.code,
    error: STATUS_CODES[error.status] ?? 'Error',
    message: error.message,
  }
}
