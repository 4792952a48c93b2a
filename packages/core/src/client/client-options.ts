import { httpUrl, refuseUnknownKeys, requiredString } from '../core/strict-input.js'
import { PicketConfigError } from './errors.js'
import { type RetryOptions, type RetryPolicy, resolveRetryPolicy } from './retry-policy.js'
import { DEFAULT_USER_AGENT } from './version.js'

/** The hosted Picket API (reference §1.1). */
export const DEFAULT_BASE_URL = 'https://picketapi.com/api/v1'

/** Per-attempt timeout used when neither the client nor the call sets one. */
export const DEFAULT_TIMEOUT = 10_000

/** Largest delay timers accept (2^31 − 1 ms); larger values would fire immediately. */
const MAX_TIMEOUT = 2_147_483_647

/** Options of `new PicketClient(apiKey, options)`. */
export interface PicketClientOptions {
  /**
   * API root, e.g. `http://127.0.0.1:8787/api/v1` for the bundled authority. Trailing slashes
   * are removed. Default `https://picketapi.com/api/v1`.
   */
  baseURL?: string
  /**
   * Milliseconds each attempt may take, from sending the request to reading the whole body.
   * Default 10000. With retries, a call may take up to `(retries + 1) · timeout` plus delays.
   */
  timeout?: number
  /** Retry settings, or `false` to never retry. See {@link RetryOptions}. */
  retry?: RetryOptions | false
  /** A fetch implementation to use instead of `globalThis.fetch` (e.g. one with a proxy agent). */
  fetch?: typeof globalThis.fetch
  /** `User-Agent` header. Default `fastify-picket/<version>`. */
  userAgent?: string
}

/** Per-call controls, accepted as the last argument of every `PicketClient` method. */
export interface CallOptions {
  /** Aborts the call (including retry waits); the call then rejects with `PicketAbortError`. */
  signal?: AbortSignal
  /** Per-attempt timeout in ms for this call, overriding the client's `timeout`. */
  timeout?: number
}

/** Validated client configuration. */
export interface ClientConfig {
  readonly apiKey: string
  readonly baseURL: string
  readonly timeout: number
  readonly retryPolicy: RetryPolicy
  readonly fetch: typeof globalThis.fetch | undefined
  readonly userAgent: string
}

/** A timeout every timer accepts: a positive integer number of milliseconds. */
export function isValidTimeout(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= MAX_TIMEOUT
}

/** Validates constructor input once, so every later failure is about the network, not setup. */
export function resolveClientConfig(apiKey: unknown, options: PicketClientOptions | undefined): ClientConfig {
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new PicketConfigError('apiKey must be a non-empty string (the secret key of a Picket project)')
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new PicketConfigError('options must be an object')
  }
  if (options !== undefined) {
    refuseUnknownKeys(
      options as Record<string, unknown>,
      { keys: ['baseURL', 'timeout', 'retry', 'fetch', 'userAgent'] },
      '',
      PicketConfigError.at,
    )
  }
  const {
    baseURL = DEFAULT_BASE_URL,
    timeout = DEFAULT_TIMEOUT,
    fetch,
    userAgent = DEFAULT_USER_AGENT,
  } = options ?? {}
  if (!isValidTimeout(timeout)) {
    throw new PicketConfigError(
      `timeout must be a positive integer number of milliseconds ≤ ${MAX_TIMEOUT}`,
      'timeout',
    )
  }
  if (fetch !== undefined && typeof fetch !== 'function') {
    throw new PicketConfigError('fetch must be a function', 'fetch')
  }
  if (typeof userAgent !== 'string' || userAgent === '') {
    throw new PicketConfigError('userAgent must be a non-empty string', 'userAgent')
  }
  return Object.freeze({
    apiKey,
    baseURL: resolveBaseURL(baseURL),
    timeout,
    retryPolicy: resolveRetryPolicy(options?.retry),
    fetch,
    userAgent,
  })
}

function resolveBaseURL(baseURL: unknown): string {
  const fail = PicketConfigError.at
  // Checked as written (a string), and kept as written: `URL` would add a trailing slash.
  const text = requiredString(baseURL, 'baseURL', fail, 'an absolute http(s) URL')
  httpUrl(text, 'baseURL', fail)
  // Paths are appended as strings (as picket-node does), so a query or fragment would swallow them.
  if (/[?#]/.test(text)) throw fail('baseURL', 'must not contain a query string or fragment')
  return text.replace(/\/+$/, '')
}
