/**
 * JSON-RPC 2.0 over HTTP for chains viem has no actions for (Solana RPC, Metaplex DAS). The
 * encoding, ids, timeouts and body-size limit are viem's (`getHttpRpcClient`); this module only
 * sorts failures into "the node refused the request" and "no usable answer". One request per
 * call (or one JSON-RPC 2.0 batch per `callJsonRpcBatch`), no retries: callers decide what a
 * failure means, and a gate must see failures rather than silently retried latency.
 */

import { isRecord } from 'picket-core'
import { BaseError, HttpRequestError, ResponseBodyTooLargeError } from 'viem'
import { getHttpRpcClient } from 'viem/utils'

/** The server answered with a JSON-RPC `error` object: it understood the request and refused it. */
export class JsonRpcResponseError extends Error {
  readonly code: number
  readonly data: unknown

  constructor(method: string, code: number, message: string, data?: unknown) {
    super(`${method}: JSON-RPC error ${code}: ${message}`)
    this.name = 'JsonRpcResponseError'
    this.code = code
    this.data = data
  }
}

/** No usable answer: network error, timeout, abort, non-2xx status, or a body that is not JSON-RPC. */
export class JsonRpcTransportError extends Error {
  /** No answer within the timeout (as opposed to a refused connection or an HTTP error). */
  readonly timedOut: boolean
  /** The answer was larger than the size cap. */
  readonly tooLarge: boolean
  /** The HTTP status of an answer that was not 2xx, when there was one. */
  readonly status: number | undefined
  constructor(
    message: string,
    options?: { cause?: unknown; timedOut?: boolean; tooLarge?: boolean; status?: number | undefined },
  ) {
    super(message, options)
    this.name = 'JsonRpcTransportError'
    this.timedOut = options?.timedOut ?? false
    this.tooLarge = options?.tooLarge ?? false
    this.status = options?.status
  }
}

/** JSON-RPC 2.0 "Invalid params"; Solana RPC uses it for malformed or unknown pubkeys. */
export const JSON_RPC_INVALID_PARAMS = -32602

export interface JsonRpcCallOptions {
  /** Milliseconds before the request is abandoned. */
  timeout: number
  signal?: AbortSignal | undefined
  fetch?: typeof fetch | undefined
}

/** Bodies above this are not balance answers; refusing them bounds memory per request. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024

export async function callJsonRpc<R>(
  url: string,
  method: string,
  params: unknown,
  options: JsonRpcCallOptions,
): Promise<R> {
  const response = await post(url, { method, params }, method, options)
  if (!isRecord(response)) throw new JsonRpcTransportError(`${method}: response is not a JSON-RPC object`)
  if (response.error !== undefined) throw responseError(method, response.error)
  if (!('result' in response))
    throw new JsonRpcTransportError(`${method}: response has neither result nor error`)
  return response.result as R
}

/** One call of a batch. */
export interface JsonRpcCall {
  method: string
  params: unknown
}

/** One call's answer in a batch: its result, or the JSON-RPC error the server gave for that call. */
export type JsonRpcBatchAnswer = { readonly result: unknown } | { readonly error: JsonRpcResponseError }

/**
 * Several calls in one HTTP POST (a JSON-RPC 2.0 batch array), with the same timeout, size cap
 * and abort as `callJsonRpc` (for the whole POST). Answers are matched to the calls by id (a
 * server may answer in any order) and returned in the calls' order; a call the server refused
 * with an error object is that call's `{ error }`, for the caller to judge.
 *
 * @throws JsonRpcTransportError no usable answer (as `callJsonRpc`), or a batch answer that is
 *   malformed or incomplete: not a list, an entry without one of our ids, an id answered twice, a
 *   call left unanswered, an entry with neither result nor a well-formed error. Never a partial
 *   answer: the caller cannot tell what a missing entry would have said.
 * @throws JsonRpcResponseError the server refused the batch as a whole with one error object
 *   (e.g. an endpoint that does not take batches).
 */
export async function callJsonRpcBatch(
  url: string,
  calls: readonly JsonRpcCall[],
  options: JsonRpcCallOptions,
): Promise<JsonRpcBatchAnswer[]> {
  if (calls.length === 0) return []
  const label = `batch of ${calls.length} (${[...new Set(calls.map((call) => call.method))].join(', ')})`
  // Our own ids, 1..n: unique within the POST, which is all the matching needs.
  const body = calls.map((call, i) => ({ id: i + 1, method: call.method, params: call.params }))
  const response = await post(url, body, label, options)
  // A batch refused as a whole is answered with one error object (viem hands it back as that
  // object repeated once per call); its id is none of ours (JSON-RPC gives `null`).
  const whole = Array.isArray(response) && response.length > 0 ? response[0] : response
  if (
    isRecord(whole) &&
    whole.error !== undefined &&
    !(typeof whole.id === 'number' && whole.id >= 1 && whole.id <= calls.length) &&
    (!Array.isArray(response) || response.every((entry) => entry === whole))
  ) {
    throw responseError(label, whole.error)
  }
  if (!Array.isArray(response)) throw new JsonRpcTransportError(`${label}: batch answer is not a list`)
  // Filled, not sparse: `indexOf(undefined)` below must see every unanswered call.
  const answers: (JsonRpcBatchAnswer | undefined)[] = calls.map(() => undefined)
  for (const entry of response) {
    const index = isRecord(entry) && typeof entry.id === 'number' ? entry.id - 1 : -1
    if (!isRecord(entry) || !Number.isInteger(index) || index < 0 || index >= calls.length) {
      throw new JsonRpcTransportError(`${label}: batch answer has an entry that answers none of the calls`)
    }
    if (answers[index] !== undefined) {
      throw new JsonRpcTransportError(`${label}: batch answer answers call ${index + 1} twice`)
    }
    const { method } = calls[index]!
    if (entry.error !== undefined) {
      const error = responseError(method, entry.error)
      if (error instanceof JsonRpcTransportError) throw error
      answers[index] = { error }
    } else if ('result' in entry) answers[index] = { result: entry.result }
    else throw new JsonRpcTransportError(`${method}: batch entry has neither result nor error`)
  }
  const missing = answers.indexOf(undefined)
  if (missing !== -1) {
    throw new JsonRpcTransportError(
      `${label}: incomplete batch answer, no answer to call ${missing + 1} (${calls[missing]!.method})`,
    )
  }
  return answers as JsonRpcBatchAnswer[]
}

/** One HTTP POST of a JSON-RPC body (a call or a batch); any failure to get an answer is a transport error. */
async function post(
  url: string,
  body: { method: string; params: unknown } | { id: number; method: string; params: unknown }[],
  label: string,
  options: JsonRpcCallOptions,
): Promise<unknown> {
  const client = getHttpRpcClient(url, {
    timeout: options.timeout,
    maxResponseBodySize: MAX_RESPONSE_BYTES,
    ...(options.fetch ? { fetchFn: options.fetch } : {}),
  })
  try {
    return await client.request({
      body,
      ...(options.signal ? { fetchOptions: { signal: options.signal } } : {}),
    })
  } catch (err) {
    const reason = options.signal?.aborted
      ? 'aborted'
      : (err as Error).name === 'TimeoutError'
        ? `timed out after ${options.timeout} ms`
        : errorMessage(err)
    throw new JsonRpcTransportError(`${label}: ${reason}`, {
      cause: err,
      timedOut: !options.signal?.aborted && (err as Error).name === 'TimeoutError',
      tooLarge: err instanceof BaseError && err.walk((e) => e instanceof ResponseBodyTooLargeError) !== null,
      status: err instanceof HttpRequestError ? err.status : undefined,
    })
  }
}

/** A JSON-RPC `error` member as a JsonRpcResponseError, or a transport error when it is malformed. */
function responseError(method: string, error: unknown): JsonRpcResponseError | JsonRpcTransportError {
  if (!isRecord(error) || typeof error.code !== 'number') {
    return new JsonRpcTransportError(`${method}: malformed JSON-RPC error object`)
  }
  return new JsonRpcResponseError(method, error.code, String(error.message ?? ''), error.data)
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // viem's short message names the failure; undici puts the socket error on the cause.
    const short = (err as { shortMessage?: string }).shortMessage ?? err.message
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
    return `${short}${cause}`
  }
  return String(err)
}
