import { classifyUpstreamError, PicketAPIError } from '../client/index.js'
import { InvalidTokenError, VerifierUnavailableError } from '../core/index.js'
import type { Refusals } from './refusals.js'

/**
 * Maps a failed API call made for a client (login, authz) to the answer that client gets:
 * the API's own 400/401/403 pass through with its message; anything that means "the API could
 * not answer" becomes 503 with Retry-After, never a 500 and never a pass.
 */
export function toClientError(
  error: unknown,
  refusals: Refusals,
  realm: string,
  call: 'login' | 'other' = 'other',
): unknown {
  if (error instanceof PicketAPIError) {
    if (call === 'login' && error.status === 401 && error.apiCode === 'signature_invalid')
      return refusals.loginFailed(error.msg)
    if (error.status === 400 || error.status === 404 || error.status === 422)
      return refusals.badRequest(error.msg)
    if (error.status === 403) return refusals.insufficient(realm, error.msg)
    // The API's own body limit (e.g. requirements forwarded by /auth/authz): the client's fault,
    // and the API's message names the limit.
    if (error.status === 413) return refusals.payloadTooLarge(error.msg)
  }
  return toGateError(classifyUpstreamError(error), refusals, realm)
}

/** Core's verification errors as the adapter's refusals (401 with a challenge, 503 with Retry-After). */
export function toGateError(error: unknown, refusals: Refusals, realm: string): unknown {
  if (error instanceof InvalidTokenError) return refusals.invalidToken(realm, error.message)
  if (error instanceof VerifierUnavailableError)
    return refusals.unavailable(error.message, error.retryAfter, error.cause)
  return error
}
