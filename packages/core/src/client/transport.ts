import { FetchError, ofetch } from 'ofetch'
import { basicAuthorization } from './basic-auth.js'
import type { ClientConfig } from './client-options.js'
import { PicketAbortError, PicketNetworkError, PicketTimeoutError, type RequestIdentity } from './errors.js'

/** One HTTP attempt as the client wants to send it. */
export interface TransportRequest extends RequestIdentity {
  method: 'GET' | 'POST'
  /** Serialized JSON body (POST only). */
  body?: string
  /** Per-attempt timeout in ms. */
  timeout: number
  /** The caller's signal, if any. */
  signal?: AbortSignal | undefined
}

/** Any HTTP answer, whatever its status: interpreting it is the caller's job. */
export interface TransportResponse {
  status: number
  headers: Headers
  /** Whole body as text ('' when there is none). */
  text: string
}

/** Sends one attempt; rejects only with `PicketNetworkError`, `PicketTimeoutError` or `PicketAbortError`. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>

/**
 * Builds the ofetch-based transport. ofetch's own retry and error throwing are switched off so the
 * retry policy (`retry-policy.ts`) is exact, and bodies are read as text so no parser can throw
 * a bare SyntaxError.
 */
export function createTransport(config: ClientConfig): Transport {
  const $fetch = ofetch.create(
    {
      retry: false,
      ignoreResponseError: true,
      responseType: 'text',
      headers: {
        Authorization: basicAuthorization(config.apiKey),
        // Sent on GET too, as picket-node and picket-js do.
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': config.userAgent,
      },
    },
    config.fetch === undefined ? {} : { fetch: config.fetch },
  )

  return async function send(request) {
    const identity = { method: request.method, path: request.path }
    // ofetch ignores its `timeout` option when a signal is given, so the timeout is a signal too.
    const timeoutSignal = AbortSignal.timeout(request.timeout)
    const signal = request.signal ? AbortSignal.any([request.signal, timeoutSignal]) : timeoutSignal
    try {
      const response = await settleBeforeAbort(
        $fetch.raw<string, 'text'>(config.baseURL + request.path, {
          method: request.method,
          body: request.body,
          signal,
        }),
        signal,
      )
      const text = response._data
      return {
        status: response.status,
        headers: response.headers,
        text: typeof text === 'string' ? text : '',
      }
    } catch (error) {
      // The combined signal keeps the reason of whichever source fired first.
      if (request.signal?.aborted && signal.reason === request.signal.reason) {
        throw new PicketAbortError(request.signal.reason, identity)
      }
      if (timeoutSignal.aborted) throw new PicketTimeoutError(request.timeout, identity)
      // ofetch wraps failures of fetch() itself; failures while reading the body arrive unwrapped.
      throw new PicketNetworkError(error instanceof FetchError ? error.cause : error, identity)
    }
  }
}

/**
 * Rejects with the signal's reason as soon as it aborts, so a custom `fetch` that ignores
 * signals cannot make a call outlive its timeout.
 */
async function settleBeforeAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort!: () => void
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
  })
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
