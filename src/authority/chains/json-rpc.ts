/**
 * A minimal JSON-RPC 2.0 over HTTP POST client for chains viem does not cover (Solana RPC,
 * Metaplex DAS). One request per call, no batching, no retries: callers decide what a failure
 * means, and a gate must see failures rather than silently retried latency.
 */

export interface JsonRpcRequest<M extends string = string, P = unknown> {
  readonly jsonrpc: '2.0'
  readonly id: number
  readonly method: M
  readonly params: P
}

/** Builds a request body; `params` is positional (Solana RPC) or named (DAS). */
export function jsonRpcRequest<M extends string, P>(method: M, params: P, id = 1): JsonRpcRequest<M, P> {
  return { jsonrpc: '2.0', id, method, params }
}

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
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'JsonRpcTransportError'
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

let nextId = 1

export async function callJsonRpc<R>(
  url: string,
  method: string,
  params: unknown,
  options: JsonRpcCallOptions,
): Promise<R> {
  const id = nextId++
  if (nextId > Number.MAX_SAFE_INTEGER - 1) nextId = 1
  const body = JSON.stringify(jsonRpcRequest(method, params, id))
  const timeoutSignal = AbortSignal.timeout(options.timeout)
  const signal = options.signal ? AbortSignal.any([options.signal, timeoutSignal]) : timeoutSignal
  const doFetch = options.fetch ?? fetch

  let text: string
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal,
    })
    if (!response.ok) {
      // Drain so the connection can be reused.
      await response.body?.cancel().catch(() => {})
      throw new JsonRpcTransportError(`${method}: HTTP ${response.status}`)
    }
    const length = Number(response.headers.get('content-length') ?? 0)
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => {})
      throw new JsonRpcTransportError(`${method}: response too large (${length} bytes)`)
    }
    text = await response.text()
  } catch (err) {
    if (err instanceof JsonRpcTransportError) throw err
    const reason = timeoutSignal.aborted
      ? `timed out after ${options.timeout} ms`
      : options.signal?.aborted
        ? 'aborted'
        : errorMessage(err)
    throw new JsonRpcTransportError(`${method}: ${reason}`, { cause: err })
  }

  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new JsonRpcTransportError(`${method}: response is not JSON`, { cause: err })
  }
  if (!isObject(parsed) || parsed.jsonrpc !== '2.0') {
    throw new JsonRpcTransportError(`${method}: response is not a JSON-RPC 2.0 object`)
  }
  if (parsed.id !== id) {
    throw new JsonRpcTransportError(
      `${method}: response id ${JSON.stringify(parsed.id)} does not match ${id}`,
    )
  }
  if (parsed.error !== undefined) {
    const error = parsed.error
    if (!isObject(error) || typeof error.code !== 'number') {
      throw new JsonRpcTransportError(`${method}: malformed JSON-RPC error object`)
    }
    throw new JsonRpcResponseError(method, error.code, String(error.message ?? ''), error.data)
  }
  if (!('result' in parsed))
    throw new JsonRpcTransportError(`${method}: response has neither result nor error`)
  return parsed.result as R
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // undici puts the useful part ("connect ECONNREFUSED …") on the cause.
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
    return `${err.message}${cause}`
  }
  return String(err)
}
