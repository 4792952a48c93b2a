import { InvalidTokenError, VerifierUnavailableError } from 'picket-core'
import { classifyUpstreamError, PicketAPIError } from 'picket-core/client'
import {
  badRequest,
  insufficient,
  invalidToken,
  loginFailed,
  payloadTooLarge,
  unavailable,
} from './errors.js'

/**
 * Maps a failed API call made for a client (login, authz) to the answer that client gets:
 * the API's own 400/401/403 pass through with its message; anything that means "the API could
 * not answer" becomes 503 with Retry-After, never a 500 and never a pass.
 */
export function toClientError(error: unknown, realm: string, call: 'login' | 'other' = 'other'): unknown {
  if (error instanceof PicketAPIError) {
    if (call === 'login' && error.status === 401 && error.apiCode === 'signature_invalid')
      return loginFailed(error.msg)
    if (error.status === 400 || error.status === 404 || error.status === 422) return badRequest(error.msg)
    if (error.status === 403) return insufficient(realm, error.msg)
    // The API's own body limit (e.g. requirements forwarded by /auth/authz): the client's fault,
    // and the API's message names the limit.
    if (error.status === 413) return payloadTooLarge(error.msg)
  }
  const classified = classifyUpstreamError(error)
  if (classified instanceof InvalidTokenError) return invalidToken(realm, classified.message)
  if (classified instanceof VerifierUnavailableError)
    return unavailable(classified.message, classified.retryAfter, classified.cause)
  return classified
}
