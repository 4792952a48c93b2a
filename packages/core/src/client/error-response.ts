import { isRecord } from '../core/is-record.js'
import { parseJsonOrUndefined, snippetOf } from './body-text.js'
import { PicketAPIError, PicketResponseFormatError, type RequestIdentity } from './errors.js'
import { parseRetryAfter } from './retry-after.js'
import type { TransportResponse } from './transport.js'

/**
 * Turns a non-2xx answer into the matching error: `PicketAPIError` for a Picket error body
 * `{ msg, code? }` (reference §3), `PicketResponseFormatError` for anything else.
 */
export function errorFromResponse(
  response: TransportResponse,
  request: RequestIdentity,
  now: number = Date.now(),
): PicketAPIError | PicketResponseFormatError {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now)
  const body = parseJsonOrUndefined(response.text)
  if (isRecord(body) && typeof body.msg === 'string') {
    // Codes are an open set (§3), so any string is kept; a non-string code is not a code.
    const apiCode = typeof body.code === 'string' ? body.code : undefined
    return new PicketAPIError({ status: response.status, msg: body.msg, apiCode, retryAfter }, request)
  }
  return new PicketResponseFormatError(
    { status: response.status, bodySnippet: snippetOf(response.text), retryAfter },
    request,
  )
}
