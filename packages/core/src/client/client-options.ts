import {
  type ConfigErrorFactory,
  expectObject,
  httpUrl,
  optionalFunction,
  optionalInteger,
  optionalString,
  refuseUnknownKeys,
  requiredString,
} from '../core/strict-input.js'
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

/** A timeout every timer accepts: a positive integer number of milliseconds (setTimeout's range). */
const TIMEOUT_RANGE = { min: 1, max: MAX_TIMEOUT } as const

/** `timeout` as the constructor and every call check it, or `fallback` when absent. */
export function resolveTimeout(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  fallback: number,
): number {
  return optionalInteger(value, path, fail, { ...TIMEOUT_RANGE, fallback })
}

/** Validates constructor input once, so every later failure is about the network, not setup. */
export function resolveClientConfig(apiKey: unknown, options: PicketClientOptions | undefined): ClientConfig {
  const fail = PicketConfigError.at
  const key = requiredString(
    apiKey,
    'apiKey',
    fail,
    'a non-empty string (the secret key of a Picket project)',
  )
  const raw = options === undefined ? {} : expectObject(options, 'options', fail)
  refuseUnknownKeys(raw, { keys: ['baseURL', 'timeout', 'retry', 'fetch', 'userAgent'] }, '', fail)
  return Object.freeze({
    apiKey: key,
    baseURL: resolveBaseURL(raw.baseURL ?? DEFAULT_BASE_URL),
    timeout: resolveTimeout(raw.timeout, 'timeout', fail, DEFAULT_TIMEOUT),
    retryPolicy: resolveRetryPolicy(raw.retry as RetryOptions | false | undefined),
    fetch: optionalFunction(raw.fetch as typeof globalThis.fetch | undefined, 'fetch', fail),
    userAgent: optionalString(raw.userAgent, 'userAgent', fail) ?? DEFAULT_USER_AGENT,
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
