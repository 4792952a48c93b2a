import { expectObject, optionalInteger, refuseUnknownKeys } from '../core/strict-input.js'
import {
  PicketAPIError,
  PicketConfigError,
  PicketNetworkError,
  PicketResponseFormatError,
  PicketTimeoutError,
} from './errors.js'

/**
 * Retry settings of a `PicketClient`. Retries only ever happen for calls that are safe to repeat
 * (`nonce`, `validate`, `tokenOwnership`, `chains`, `chainInfo`) — never for `auth` / `authz`,
 * which consume a nonce or mint a token.
 */
export interface RetryOptions {
  /** Extra attempts after the first one. Default 2. */
  retries?: number
  /** Smallest backoff delay in ms. Default 100. */
  minDelay?: number
  /** Largest backoff delay in ms (jittered exponential backoff never exceeds it). Default 2000. */
  maxDelay?: number
  /**
   * Largest `Retry-After` (in ms) the client is willing to wait. A longer `Retry-After` is not
   * waited for: the error is surfaced at once with its `retryAfter`. Default 30000.
   */
  maxRetryAfter?: number
}

/** Fully resolved retry settings. */
export interface RetryPolicy {
  readonly retries: number
  readonly minDelay: number
  readonly maxDelay: number
  readonly maxRetryAfter: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 2,
  minDelay: 100,
  maxDelay: 2000,
  maxRetryAfter: 30_000,
})

const NO_RETRIES: RetryPolicy = Object.freeze({ ...DEFAULT_RETRY_POLICY, retries: 0 })

/** Statuses that mean "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504])

/** True for 429, 502, 503 and 504: the only statuses the client retries. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status)
}

/** Validates the `retry` constructor option. */
export function resolveRetryPolicy(option: RetryOptions | false | undefined): RetryPolicy {
  if (option === undefined) return DEFAULT_RETRY_POLICY
  if (option === false) return NO_RETRIES
  const fail = PicketConfigError.at
  const raw = expectObject(option, 'retry', fail, 'an object or false')
  const names = ['retries', 'minDelay', 'maxDelay', 'maxRetryAfter'] as const
  refuseUnknownKeys(raw, { keys: names }, 'retry', fail)
  const [retries, minDelay, maxDelay, maxRetryAfter] = names.map((name) =>
    optionalInteger(raw[name], `retry.${name}`, fail, { min: 0, fallback: DEFAULT_RETRY_POLICY[name] }),
  ) as [number, number, number, number]
  if (minDelay > maxDelay) throw fail('retry.minDelay', `must not exceed retry.maxDelay (${maxDelay})`)
  return Object.freeze({ retries, minDelay, maxDelay, maxRetryAfter })
}

/**
 * Exponential backoff with jitter: a random delay between `minDelay` and
 * `min(maxDelay, minDelay · 2^retryIndex)`, so concurrent clients spread out.
 */
export function backoffDelay(
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.minDelay * 2 ** retryIndex)
  return Math.round(policy.minDelay + random() * (ceiling - policy.minDelay))
}

/**
 * How long to wait before retry number `retryIndex` (0-based) after `error`, or `undefined` when
 * the error must be surfaced. Callers decide separately whether the call is safe to repeat.
 */
export function retryDelayAfter(
  error: unknown,
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (retryIndex >= policy.retries) return undefined
  if (error instanceof PicketNetworkError || error instanceof PicketTimeoutError) {
    return backoffDelay(retryIndex, policy, random)
  }
  if (error instanceof PicketAPIError || error instanceof PicketResponseFormatError) {
    if (!isRetryableStatus(error.status)) return undefined
    if (error.retryAfter === undefined) return backoffDelay(retryIndex, policy, random)
    const requested = error.retryAfter * 1000
    return requested <= policy.maxRetryAfter ? requested : undefined
  }
  return undefined
}
