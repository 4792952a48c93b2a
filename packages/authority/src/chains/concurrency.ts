/**
 * Bounds on chain reads. One request may not fan out to more than a few reads at a time
 * (`mapLimited`), all requests together not to more than a pool of reads (`ReadPool`), and
 * identical reads that overlap share one (`SharedReads`), which stops as soon as no one waits.
 */

/** How the readers run RPC calls: each through `run` (a pool), `perRequest` at once per request. */
export interface ReadLimits {
  run<T>(call: () => Promise<T>): Promise<T>
  perRequest: number
}

/** Like `Promise.all(items.map(run))`, but at most `limit` at a time; stops starting on the first failure. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await run(items[index]!)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** The pool's queue is full: the reader is saturated, answer "try later" rather than queue more. */
export class ReadPoolBusyError extends Error {
  constructor() {
    super('too many chain reads are waiting')
    this.name = 'ReadPoolBusyError'
  }
}

/**
 * A counting semaphore over every read of a balance reader: a flood queues, it does not fan
 * out, and the queue itself is bounded (`maxWaiting`), so a flood is refused, not remembered.
 */
export class ReadPool {
  #active = 0
  readonly #waiting: Array<() => void> = []

  constructor(
    readonly size: number,
    readonly maxWaiting: number = size * 10,
  ) {}

  /** Runs `read` when a slot is free; gives up waiting (without running it) if `signal` aborts. */
  async run<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#active >= this.size) {
      if (this.#waiting.length >= this.maxWaiting) throw new ReadPoolBusyError()
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const at = this.#waiting.indexOf(grant)
          if (at !== -1) this.#waiting.splice(at, 1)
          reject(signal!.reason)
        }
        const grant = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        if (signal?.aborted) return reject(signal.reason)
        signal?.addEventListener('abort', onAbort, { once: true })
        this.#waiting.push(grant)
      })
    } else {
      this.#active++
    }
    try {
      return await read()
    } finally {
      const grant = this.#waiting.shift()
      // Hand the slot straight to the next waiter, or free it.
      if (grant) grant()
      else this.#active--
    }
  }
}

interface SharedRead<T> {
  readonly promise: Promise<T>
  readonly controller: AbortController
  waiters: number
}

/**
 * Concurrent reads of the same key share one: the first caller starts it with a signal of its
 * own; each caller waits with its own signal; when the last waiter gives up, the read is aborted
 * (so a client that hangs up stops its chain reads).
 */
export class SharedReads<T> {
  readonly #inFlight = new Map<string, SharedRead<T>>()

  get size(): number {
    return this.#inFlight.size
  }

  run(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let shared = this.#inFlight.get(key)
    if (!shared) {
      const controller = new AbortController()
      const promise = start(controller.signal)
      const entry: SharedRead<T> = { promise, controller, waiters: 0 }
      shared = entry
      this.#inFlight.set(key, entry)
      const forget = () => {
        if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key)
      }
      promise.then(forget, forget)
    }
    const entry = shared
    entry.waiters++
    if (!signal) return entry.promise.finally(() => entry.waiters--)
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        signal.removeEventListener('abort', onAbort)
        entry.waiters--
      }
      const onAbort = () => {
        leave()
        if (entry.waiters === 0) {
          entry.controller.abort(signal.reason)
          if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key)
        }
        reject(signal.reason)
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      entry.promise.then(
        (value) => {
          leave()
          resolve(value)
        },
        (error: unknown) => {
          leave()
          reject(error)
        },
      )
    })
  }
}
