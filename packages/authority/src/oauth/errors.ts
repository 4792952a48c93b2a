import { errorReplyFor } from '../error-reply.js'

/** Error codes of RFC 6749 §4.1.2.1 / §5.2, OIDC Core §3.1.2.6 and RFC 6750 §3.1 this server answers. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'invalid_token'

/** An OAuth error as the specs define it: `error`, `error_description`, an HTTP status. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly statusCode: number
  readonly retryAfter: number | undefined
  /** `WWW-Authenticate` value of a 401 (RFC 6749 §5.2, RFC 6750 §3). */
  readonly challenge: string | undefined

  constructor(
    error: OAuthErrorCode,
    description: string,
    options?: { status?: number; retryAfter?: number; challenge?: string },
  ) {
    super(description)
    this.name = 'OAuthError'
    this.error = error
    this.statusCode = options?.status ?? 400
    this.retryAfter = options?.retryAfter
    this.challenge = options?.challenge
  }
}

/** The JSON body of an OAuth error: the spec's names plus Picket's `{ code, msg }` (§1.6, §2.8). */
export interface OAuthErrorBody {
  error: OAuthErrorCode
  error_description: string
  code: OAuthErrorCode
  msg: string
}

export function oauthErrorBody(error: OAuthError): OAuthErrorBody {
  return { error: error.error, error_description: error.message, code: error.error, msg: error.message }
}

/**
 * Any error thrown while serving an OAuth request, as an `OAuthError`: the wallet-login
 * failures of `/auth` keep their words (a front end shows them) under OAuth's codes.
 * Server faults say nothing more than `server_error` (the details go to the log).
 */
export function toOAuthError(error: unknown, bodyLimit: number): OAuthError {
  if (error instanceof OAuthError) return error
  const { statusCode, body, headers } = errorReplyFor(error, bodyLimit)
  const retryAfter = headers?.['retry-after'] ? Number(headers['retry-after']) : undefined
  const options = { status: statusCode, ...(retryAfter ? { retryAfter } : {}) }
  if (statusCode === 401 || statusCode === 403) return new OAuthError('access_denied', body.msg, options)
  if (statusCode === 424 || statusCode === 503 || statusCode === 429) {
    return new OAuthError('temporarily_unavailable', body.msg, options)
  }
  if (statusCode >= 500) return new OAuthError('server_error', 'Internal server error', { status: 500 })
  return new OAuthError('invalid_request', body.msg, options)
}
