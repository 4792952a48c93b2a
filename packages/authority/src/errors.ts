/**
 * HTTP errors of the authority. Every non-2xx answer is `{ msg, code }` (reference §3): the SDKs
 * parse the body before looking at the status, and picket-js matches substrings of `msg`
 * (§2.2), so the messages below are part of the wire contract.
 */

/** An error the authority answers with verbatim: status, stable `code`, front-end-safe `msg`. */
export class AuthorityError extends Error {
  readonly statusCode: number
  readonly code: string
  /** Seconds a client should wait before trying again (sent as Retry-After). */
  readonly retryAfter: number | undefined

  constructor(
    statusCode: number,
    code: string,
    msg: string,
    options?: { retryAfter?: number; cause?: unknown },
  ) {
    super(msg, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AuthorityError'
    this.statusCode = statusCode
    this.code = code
    this.retryAfter = options?.retryAfter
  }
}

/** 503: the authority's own store cannot serve now; the client may retry after `retryAfter` s. */
export function serviceUnavailable(msg: string, retryAfter: number, cause?: unknown): AuthorityError {
  return new AuthorityError(503, 'service_unavailable', msg, { retryAfter, cause })
}

/** 400: malformed input. `msg` names the offending field. */
export function parameterInvalid(msg: string): AuthorityError {
  return new AuthorityError(400, 'parameter_invalid', msg)
}

/** 401: no Authorization header at all. */
export function authenticationRequired(): AuthorityError {
  return new AuthorityError(
    401,
    'authentication_required',
    'Invalid project key: the Authorization header is missing',
  )
}

/** 401: header present but unparseable or the key is unknown. picket-js looks for "invalid project key". */
export function apiKeyInvalid(): AuthorityError {
  return new AuthorityError(401, 'api_key_invalid', 'Invalid project key')
}

/**
 * 401: the signature does not verify, or there is no live nonce (expired, never issued, or
 * already consumed). picket-js looks for "invalid signature" and shows "Signature expired".
 */
export function invalidSignature(reason?: string): AuthorityError {
  return new AuthorityError(
    401,
    'signature_invalid',
    reason ? `Invalid signature: ${reason}` : 'Invalid signature',
  )
}

/** 401: the access token is malformed, expired, or minted for another project or issuer. */
export function accessTokenInvalid(reason: string): AuthorityError {
  return new AuthorityError(401, 'access_token_invalid', `Invalid access token: ${reason}`)
}

/** 403: the wallet does not satisfy the requirements. Shown to end users by front ends. */
export function permissionDenied(msg: string): AuthorityError {
  return new AuthorityError(403, 'permission_denied', msg)
}

/** 404 with the documented code. */
export function resourceNotFound(msg: string): AuthorityError {
  return new AuthorityError(404, 'resource_not_found', msg)
}

/** 424: an upstream (chain RPC / DAS) failed; never treated as a pass (§3). */
export function chainUnavailable(msg: string): AuthorityError {
  return new AuthorityError(424, 'chain_unavailable', msg)
}

/**
 * 400 naming the field: `<path> <problem>` (`walletAddress must be a non-empty string, got 42`).
 * The error factory of core's strict-input checks on request bodies.
 */
export function invalidField(path: string, problem: string): AuthorityError {
  return parameterInvalid(`${path} ${problem}`)
}
