import { retryAfterSeconds } from './token-errors.js'

/**
 * What a rate limiter answered for one request: the fields of @fastify/rate-limit's
 * `createRateLimit` result this rule reads (any limiter that can say them will do). An
 * allowlisted request carries nothing else.
 */
export type RateLimitCheck =
  | { readonly isAllowed: true }
  | {
      readonly isAllowed: false
      readonly isExceeded: boolean
      /** The limit of the window. */
      readonly max: number
      /** The window, in ms. */
      readonly timeWindow: number
      /** Seconds until the window frees a slot. */
      readonly ttlInSeconds: number
    }

export interface RateLimitRefusal {
  /** Seconds for `Retry-After` (at least 1: `0` would invite an immediate retry storm). */
  readonly retryAfter: number
  /** For the 429 body: the limit and when to come back. */
  readonly message: string
}

/**
 * The one rule both the plugin's helper routes and the authority apply to a rate-limit check:
 * `undefined` to let the request on, or the 429's Retry-After and message. Allowlisted requests
 * (`isAllowed`) and ones under the limit pass.
 */
export function rateLimitRefusal(limit: RateLimitCheck): RateLimitRefusal | undefined {
  if (limit.isAllowed || !limit.isExceeded) return undefined
  const retryAfter = retryAfterSeconds(limit.ttlInSeconds)
  return {
    retryAfter,
    message: `at most ${limit.max} per ${windowText(limit.timeWindow)}; try again in ${retryAfter} s`,
  }
}

/** `60 s`, or `250 ms` for a window under a second (never "per 0 s"). */
function windowText(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`
}
