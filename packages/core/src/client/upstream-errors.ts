import { InvalidTokenError, VerifierUnavailableError } from '../core/token-errors.js'
import { PicketAPIError, PicketError, PicketResponseFormatError } from './errors.js'

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
    return new VerifierUnavailableError(`the Picket API answered ${status}${upstreamDetail(error)}`, {
      cause: error,
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    })
  }
  if (error instanceof PicketResponseFormatError) {
    // Not a Picket error body (a proxy's page, say): none of it is repeated; the snippet stays
    // on the cause, for the log.
    return new VerifierUnavailableError(
      `the Picket API answered ${error.status} with a body that is not a Picket error object`,
      { cause: error, ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }) },
    )
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

/** Longest part of an upstream message a refusal repeats (the authority's longest 5xx is ~250). */
const UPSTREAM_MESSAGE_MAX = 300
/** An API error code as the Picket API spells them (`chain_not_configured`); anything else is dropped. */
const API_CODE = /^[A-Za-z0-9_.-]{1,64}$/
/**
 * C0/C1 controls, line and paragraph separators and bidirectional overrides: nothing a log
 * line or a terminal should receive from another server (log forging, text reordering).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g

/**
 * What a 5xx of the Picket API said, for the 503 that follows it: ` (code): message`, or ''.
 *
 * Why this may reach the end client: a 5xx from the configured API (the only server a
 * `PicketAPIError` can come from: the client's own `baseURL`) is the server side's fault, and
 * the authority words its 5xx for its own clients (picket-js front ends read them directly):
 * `chain_not_configured` names the setting to fix (`chains.ethereum.rpcUrl`), never a secret,
 * and a genuine fault is a generic `Internal server error` there. Without it the app's log and
 * answer say only "503" and the operator has nothing to go on. Still, it is another server's
 * text, so it is never forwarded blindly: only for 5xx (a 4xx message is about the request and
 * handled elsewhere), only from a well-formed Picket error body (an HTML page from a proxy is a
 * `PicketResponseFormatError` and is never repeated), the code only when it looks like one,
 * control and bidi characters removed, and the message capped at `UPSTREAM_MESSAGE_MAX`.
 */
function upstreamDetail(error: PicketAPIError): string {
  if (error.status < 500) return ''
  const code = error.apiCode !== undefined && API_CODE.test(error.apiCode) ? ` (${error.apiCode})` : ''
  let message = error.msg.replace(UNSAFE_CHARACTERS, ' ').replace(/\s+/g, ' ').trim()
  if (message.length > UPSTREAM_MESSAGE_MAX) {
    // Cut on a code point boundary, never inside a surrogate pair.
    const cut = message.slice(0, UPSTREAM_MESSAGE_MAX)
    message = `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`
  }
  return message === '' ? code : `${code}: ${message}`
}
