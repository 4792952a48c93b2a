import { InvalidTokenError, VerifierUnavailableError } from '../core/token-errors.js'
import { PicketAPIError, PicketError } from './errors.js'

/** API error codes that mean "our API key is wrong": a server misconfiguration, not the user's fault. */
const KEY_PROBLEMS = new Set(['api_key_invalid', 'authentication_required'])

/**
 * Statuses by which the API refuses the token itself. Other 4xx are about the API's situation,
 * not the token: 424 (a chain provider failed, §3), 429, 408, 409…, so they fail closed as 503.
 * 404 is among those: a validate endpoint that does not exist (a wrong `baseURL`) says nothing
 * about the token, and answering 401 would sign every user out (and be remembered).
 */
const TOKEN_REFUSED = new Set([400, 401, 403, 410, 422])

/**
 * Classifies a failed Picket API call made on behalf of a request that carried `token`:
 * the API refused the token (400/401/403/410/422) → `InvalidTokenError`; the API could not answer (5xx,
 * 404, 424, 429, network, timeout, garbage, or our own key refused) → `VerifierUnavailableError`, so the
 * request fails closed with 503 instead of passing or blaming the user.
 */
export function classifyUpstreamError(
  error: unknown,
): InvalidTokenError | VerifierUnavailableError | unknown {
  if (error instanceof PicketAPIError) {
    const { status, apiCode } = error
    if (TOKEN_REFUSED.has(status) && !KEY_PROBLEMS.has(apiCode ?? '')) {
      return new InvalidTokenError(error.msg, { cause: error })
    }
    return new VerifierUnavailableError(`the Picket API answered ${status}`, {
      cause: error,
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    })
  }
  if (error instanceof PicketError) {
    const retryAfter = (error as { retryAfter?: number }).retryAfter
    return new VerifierUnavailableError(error.message, {
      cause: error,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    })
  }
  return error
}
