/**
 * Every failure the client reports is a `PicketError` subclass with a stable `code`, so callers
 * (and the Fastify adapter) can branch on `error.code` or `instanceof` without parsing messages.
 *
 * Design choice: `code` is always *this package's* code (`PICKET_API_ERROR`, …) and never the
 * Picket API's own error code; the API's code (e.g. `api_key_invalid`) lives in
 * {@link PicketAPIError.apiCode}. One property therefore never changes meaning between classes.
 */

/** Stable, machine-readable codes of all client errors. */
export type PicketErrorCode =
  | 'PICKET_CONFIG_ERROR'
  | 'PICKET_ARGUMENT_ERROR'
  | 'PICKET_API_ERROR'
  | 'PICKET_RESPONSE_FORMAT_ERROR'
  | 'PICKET_UNEXPECTED_RESPONSE_ERROR'
  | 'PICKET_NETWORK_ERROR'
  | 'PICKET_TIMEOUT_ERROR'
  | 'PICKET_ABORT_ERROR'

/** Which call an error belongs to. Absent only for {@link PicketConfigError}. */
export interface RequestIdentity {
  /** HTTP method, e.g. `POST`. */
  method: string
  /**
   * Path below the base URL, e.g. `/auth/nonce` or `/chains/ethereum`. For
   * {@link PicketArgumentError} (no request was built) this is the path template, e.g.
   * `/chains/{chain}/wallets/{walletAddress}/tokenOwnership`.
   */
  path: string
}

/** Base class of every error thrown by `PicketClient`. */
export class PicketError extends Error {
  /** Stable code of this error class; see {@link PicketErrorCode}. */
  readonly code: PicketErrorCode
  /** HTTP method of the failed call (undefined for configuration errors). */
  readonly method: string | undefined
  /** Path of the failed call below the base URL (undefined for configuration errors). */
  readonly path: string | undefined

  constructor(
    code: PicketErrorCode,
    message: string,
    request: RequestIdentity | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'PicketError'
    this.code = code
    this.method = request?.method
    this.path = request?.path
  }
}

/** Invalid `PicketClient` constructor input (missing API key, bad base URL, bad timeout, …). */
export class PicketConfigError extends PicketError {
  declare readonly code: 'PICKET_CONFIG_ERROR'
  /** The option at fault (`baseURL`, `timeout`, `retry.maxDelay`, …), when one is. */
  readonly field: string | undefined

  constructor(message: string, field?: string) {
    super('PICKET_CONFIG_ERROR', message, undefined)
    this.name = 'PicketConfigError'
    this.field = field
  }

  /** The error factory of core's strict-input checks: `<path>: <problem>`, with `field` set to the path. */
  static at(path: string, problem: string): PicketConfigError {
    return new PicketConfigError(`${path}: ${problem}`, path)
  }
}

/** A required argument is missing or has the wrong type. Thrown before any request is sent. */
export class PicketArgumentError extends PicketError {
  declare readonly code: 'PICKET_ARGUMENT_ERROR'
  /** Name of the offending argument, e.g. `walletAddress`. */
  readonly argument: string

  constructor(argument: string, problem: string, request: RequestIdentity) {
    super('PICKET_ARGUMENT_ERROR', `${argument} ${problem} (${request.method} ${request.path})`, request)
    this.name = 'PicketArgumentError'
    this.argument = argument
  }
}

/**
 * The Picket API answered with a non-2xx status and a proper Picket error body
 * `{ msg, code? }` (reference §3).
 */
export class PicketAPIError extends PicketError {
  declare readonly code: 'PICKET_API_ERROR'
  /** HTTP status of the answer. */
  readonly status: number
  /** The API's own error code from the body (`api_key_invalid`, `permission_denied`, …), if any. */
  readonly apiCode: string | undefined
  /** The API's human-readable message (`msg`). */
  readonly msg: string
  /** Seconds to wait before retrying, from a valid `Retry-After` header; undefined otherwise. */
  readonly retryAfter: number | undefined

  constructor(
    details: { status: number; msg: string; apiCode?: string | undefined; retryAfter?: number | undefined },
    request: RequestIdentity,
  ) {
    const suffix = details.apiCode === undefined ? '' : ` (${details.apiCode})`
    super(
      'PICKET_API_ERROR',
      `Picket API answered ${details.status} to ${request.method} ${request.path}: ${details.msg}${suffix}`,
      request,
    )
    this.name = 'PicketAPIError'
    this.status = details.status
    this.apiCode = details.apiCode
    this.msg = details.msg
    this.retryAfter = details.retryAfter
  }
}

/**
 * A non-2xx answer whose body is not a Picket error object (HTML from a proxy, empty body,
 * JSON without a string `msg`, …).
 */
export class PicketResponseFormatError extends PicketError {
  declare readonly code: 'PICKET_RESPONSE_FORMAT_ERROR'
  /** HTTP status of the answer. */
  readonly status: number
  /** The start of the body as received (truncated), for logs. */
  readonly bodySnippet: string
  /** Seconds to wait before retrying, from a valid `Retry-After` header; undefined otherwise. */
  readonly retryAfter: number | undefined

  constructor(
    details: { status: number; bodySnippet: string; retryAfter?: number | undefined },
    request: RequestIdentity,
  ) {
    super(
      'PICKET_RESPONSE_FORMAT_ERROR',
      `Picket API answered ${details.status} to ${request.method} ${request.path} with a body that is not a Picket error object: ${JSON.stringify(details.bodySnippet)}`,
      request,
    )
    this.name = 'PicketResponseFormatError'
    this.status = details.status
    this.bodySnippet = details.bodySnippet
    this.retryAfter = details.retryAfter
  }
}

/** A 2xx answer whose body lacks the shape this package relies on (see `response-shapes.ts`). */
export class PicketUnexpectedResponseError extends PicketError {
  declare readonly code: 'PICKET_UNEXPECTED_RESPONSE_ERROR'
  /** HTTP status of the answer. */
  readonly status: number
  /** What was wrong, e.g. `accessToken is not a string`. */
  readonly problem: string
  /** The start of the body as received (truncated), for logs. */
  readonly bodySnippet: string

  constructor(details: { status: number; problem: string; bodySnippet: string }, request: RequestIdentity) {
    super(
      'PICKET_UNEXPECTED_RESPONSE_ERROR',
      `Picket API answered ${details.status} to ${request.method} ${request.path} with an unexpected body: ${details.problem}`,
      request,
    )
    this.name = 'PicketUnexpectedResponseError'
    this.status = details.status
    this.problem = details.problem
    this.bodySnippet = details.bodySnippet
  }
}

/** The request never got an HTTP answer (connection refused, DNS failure, reset, …). */
export class PicketNetworkError extends PicketError {
  declare readonly code: 'PICKET_NETWORK_ERROR'

  constructor(cause: unknown, request: RequestIdentity) {
    super(
      'PICKET_NETWORK_ERROR',
      `Could not reach the Picket API for ${request.method} ${request.path}: ${describeCause(cause)}`,
      request,
      { cause },
    )
    this.name = 'PicketNetworkError'
  }
}

/** No complete answer arrived within the per-attempt timeout. */
export class PicketTimeoutError extends PicketError {
  declare readonly code: 'PICKET_TIMEOUT_ERROR'
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number

  constructor(timeout: number, request: RequestIdentity) {
    super(
      'PICKET_TIMEOUT_ERROR',
      `The Picket API did not answer ${request.method} ${request.path} within ${timeout} ms`,
      request,
    )
    this.name = 'PicketTimeoutError'
    this.timeout = timeout
  }
}

/** The caller's `AbortSignal` fired. `cause` is the signal's `reason`. */
export class PicketAbortError extends PicketError {
  declare readonly code: 'PICKET_ABORT_ERROR'

  constructor(reason: unknown, request: RequestIdentity) {
    super('PICKET_ABORT_ERROR', `${request.method} ${request.path} was aborted by the caller`, request, {
      cause: reason,
    })
    this.name = 'PicketAbortError'
  }
}

/** Node's fetch reports `TypeError: fetch failed` and hides the useful part in `cause`. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause)
  const inner = cause.cause
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message
}
