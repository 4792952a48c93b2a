import { PicketAPIError, PicketError } from '../client/errors.js'
import { InvalidTokenError, VerifierUnavailableError } from './token-errors.js'

/** API error codes that mean "our API key is wrong": a server misconfiguration, not the user's fault. */
const KEY_PROBLEMS = new Set(['api_key_invalid', 'authentication_required'])

/**
 * Classifies a failed Picket API call made on behalf of a request that carried `token`:
 * the API said the token is bad (4xx) → `InvalidTokenError`; the API could not answer (5xx,
 * 429, network, timeout, garbage, or our own key refused) → `VerifierUnavailableError`, so the
 * request fails closed with 503 instead of passing or blaming the user.
 */
export function classifyUpstreamError(
  error: unknown,
): InvalidTokenError | VerifierUnavailableError | unknown {
  if (error instanceof PicketAPIError) {
    const { status, apiCode } = error
    if (
      status >= 400 &&
      status < 500 &&
      status !== 429 &&
      status !== 408 &&
      !KEY_PROBLEMS.has(apiCode ?? '')
    ) {
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
