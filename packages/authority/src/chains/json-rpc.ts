/**
 * JSON-RPC 2.0 over HTTP for chains viem has no actions for (Solana RPC, Metaplex DAS). The
 * encoding, ids, timeouts and body-size limit are viem's (`getHttpRpcClient`); this module only
 * sorts failures into "the node refused the request" and "no usable answer". One request per
 * call, no batching, no retries: callers decide what a failure means, and a gate must see
 * failures rather than silently retried latency.
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
  const client = getHttpRpcClient(url, {
    timeout: options.timeout,
    maxResponseBodySize: MAX_RESPONSE_BYTES,
    ...(options.fetch ? { fetchFn: options.fetch } : {}),
  })
  let response: Awaited<ReturnType<typeof client.request>>
  try {
    response = await client.request({
      body: { method, params },
      ...(options.signal ? { fetchOptions: { signal: options.signal } } : {}),
    })
  } catch (err) {
    const reason = options.signal?.aborted
      ? 'aborted'
      : (err as Error).name === 'TimeoutError'
        ? `timed out after ${options.timeout} ms`
        : errorMessage(err)
    throw new JsonRpcTransportError(`${method}: ${reason}`, {
      cause: err,
      timedOut: !options.signal?.aborted && (err as Error).name === 'TimeoutError',
      tooLarge: err instanceof BaseError && err.walk((e) => e instanceof ResponseBodyTooLargeError) !== null,
      status: err instanceof HttpRequestError ? err.status : undefined,
    })
  }
  if (!isRecord(response)) throw new JsonRpcTransportError(`${method}: response is not a JSON-RPC object`)
  if (response.error !== undefined) {
    const error: unknown = response.error
    if (!isRecord(error) || typeof error.code !== 'number') {
      throw new JsonRpcTransportError(`${method}: malformed JSON-RPC error object`)
    }
    throw new JsonRpcResponseError(method, error.code, String(error.message ?? ''), error.data)
  }
  if (!('result' in response))
    throw new JsonRpcTransportError(`${method}: response has neither result nor error`)
  return response.result as R
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
