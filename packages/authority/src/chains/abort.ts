import { ChainUnavailableError } from './errors.js'
import type { ChainDefinition } from './registry.js'

/**
 * Waits for `promise` unless `signal` aborts first. viem reads take no AbortSignal, so the
 * caller's deadline (e.g. the HTTP request's) is honoured by no longer waiting; the read itself
 * still ends at the transport timeout. An abort means "no answer in time": ChainUnavailableError.
 */
export function withAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  chain: ChainDefinition,
): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(chain, signal))
    if (signal.aborted) {
      // Still observe the promise, so a later rejection is never reported as unhandled.
      promise.catch(() => {})
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

export function throwIfAborted(signal: AbortSignal | undefined, chain: ChainDefinition): void {
  if (signal?.aborted) throw aborted(chain, signal)
}

function aborted(chain: ChainDefinition, signal: AbortSignal): ChainUnavailableError {
  return new ChainUnavailableError(chain.slug, 'request aborted before the chain answered', {
    cause: signal.reason,
  })
}
