import type { EndpointBreakers } from './endpoint-breakers.js'
import { ChainEndpointsDownError } from './errors.js'

/**
 * What a failed call says about the endpoint that made it:
 * - `answer`: the node worked and refused the request itself (a revert, invalid params) — final;
 * - `endpoint`: the endpoint failed whatever was asked (unreachable, an HTTP error, a JSON-RPC
 *   error about the node on a request any node answers cheaply) — counted, next endpoint;
 * - `elsewhere`: it may be the request's doing or the endpoint's (a JSON-RPC error on an
 *   `eth_call`) — the next endpoint is asked, but nothing is counted;
 * - `request`: the request itself ran out of bounds (an `eth_call` into a contract that burns its
 *   gas until the timeout, an answer over the size cap) — final, nothing counted: asking the
 *   next endpoint would cost another timeout for the same reason.
 * Nothing a client chooses is counted against an endpoint, so no client can open circuits, and
 * thereby refuse every wallet's gate, with requests of its making.
 */
export type FailureKind = 'answer' | 'endpoint' | 'elsewhere' | 'request'

/**
 * One call against a chain's endpoints, in order: an endpoint whose circuit is open is skipped;
 * an `endpoint` failure is counted against it and the next one is tried; an `elsewhere` one
 * tries the next without counting; a `request` failure is final, counting nothing; an answer
 * (or an `answer` failure) is final and counts as the endpoint working. When every endpoint was skipped the call fails at once (503 + Retry-After);
 * when every endpoint tried failed, the last failure is thrown for the caller to report (424).
 * A call stopped by `signal` counts for nothing.
 */
export async function callWithFallback<T>(
  chainSlug: string,
  urls: readonly string[],
  breakers: EndpointBreakers,
  call: (url: string) => Promise<T>,
  classify: (error: unknown) => FailureKind,
  signal?: AbortSignal,
): Promise<T> {
  let failure: { error: unknown } | undefined
  let retryInMs = Number.POSITIVE_INFINITY
  for (const url of urls) {
    const admission = breakers.admit(url)
    if (!admission.admitted) {
      retryInMs = Math.min(retryInMs, admission.retryInMs)
      continue
    }
    try {
      const result = await call(url)
      breakers.succeeded(url)
      return result
    } catch (error) {
      // Stopped by the caller (its client went away): says nothing about the endpoint.
      if (signal?.aborted) throw error
      const kind = classify(error)
      if (kind === 'answer') {
        breakers.succeeded(url)
        throw error
      }
      if (kind === 'request') {
        breakers.released(url)
        throw error
      }
      if (kind === 'endpoint') breakers.failed(url)
      else breakers.released(url)
      failure = { error }
    }
  }
  if (failure) throw failure.error
  throw new ChainEndpointsDownError(chainSlug, retryInMs)
}
