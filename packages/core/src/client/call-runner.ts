import { parseJsonOrUndefined, snippetOf } from './body-text.js'
import { errorFromResponse } from './error-response.js'
import {
  PicketAbortError,
  PicketArgumentError,
  type PicketError,
  PicketUnexpectedResponseError,
  type RequestIdentity,
} from './errors.js'
import { type Operation, templateIdentity } from './operations.js'
import type { ResponseShape } from './response-shapes.js'
import { type RetryPolicy, retryDelayAfter } from './retry-policy.js'
import type { Transport, TransportResponse } from './transport.js'

/** Everything needed to perform one client method call. */
export interface CallPlan<T> {
  operation: Operation
  /** Concrete path below the base URL (already URL-encoded). */
  path: string
  /** JSON body for POST calls; `undefined` fields are dropped by serialization. */
  body?: Record<string, unknown>
  shape: ResponseShape<T>
  timeout: number
  signal: AbortSignal | undefined
}

/**
 * Performs a call: attempts, retries where the operation allows it, then checks the 2xx body.
 * Rejects only with `PicketError` subclasses.
 */
export async function runCall<T>(
  transport: Transport,
  retryPolicy: RetryPolicy,
  plan: CallPlan<T>,
): Promise<T> {
  const request = { method: plan.operation.method, path: plan.path }
  const body = plan.body === undefined ? undefined : serialize(plan.body, plan.operation)

  const attempt = async (retryIndex: number): Promise<T> => {
    if (plan.signal?.aborted) throw new PicketAbortError(plan.signal.reason, request)
    // The transport rejects only with PicketError subclasses.
    const outcome: TransportResponse | PicketError = await transport({
      ...request,
      body,
      timeout: plan.timeout,
      signal: plan.signal,
    }).catch((error: PicketError) => error)
    if (!(outcome instanceof Error) && outcome.status >= 200 && outcome.status < 300) {
      return readSuccessBody(outcome, plan.shape, request)
    }
    const failure = outcome instanceof Error ? outcome : errorFromResponse(outcome, request)
    const delay = plan.operation.retrySafe ? retryDelayAfter(failure, retryIndex, retryPolicy) : undefined
    if (delay === undefined) throw failure
    await sleep(delay, plan.signal)
    return attempt(retryIndex + 1)
  }

  return attempt(0)
}

function readSuccessBody<T>(
  response: TransportResponse,
  shape: ResponseShape<T>,
  request: RequestIdentity,
): T {
  const checked = shape(parseJsonOrUndefined(response.text))
  if ('value' in checked) return checked.value
  throw new PicketUnexpectedResponseError(
    { status: response.status, problem: checked.problem, bodySnippet: snippetOf(response.text) },
    request,
  )
}

/** A BigInt or a cycle in caller data would make JSON.stringify throw a bare TypeError. */
function serialize(body: Record<string, unknown>, operation: Operation): string {
  try {
    return JSON.stringify(body)
  } catch (error) {
    throw new PicketArgumentError(
      'arguments',
      `are not JSON-serializable (${(error as Error).message})`,
      templateIdentity(operation),
    )
  }
}

/** Waits between attempts; an abort ends the wait early and the loop then reports it. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
