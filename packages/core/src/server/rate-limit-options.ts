import type { ConfigErrorFactory } from '../core/index.js'
import {
  describeValue,
  expectRecord,
  optionalInteger,
  refuseUndefinedValues,
  refuseUnknownKeys,
} from '../core/index.js'

/** At most `max` requests per `timeWindow` milliseconds. */
export interface RateLimitWindow {
  max: number
  timeWindow: number
}

/**
 * Rate limits of the helper routes (through @fastify/rate-limit): per client IP, and per wallet
 * address named in the body (nonce, login), each counted per route. Exceeding one answers 429
 * with Retry-After.
 */
export interface RateLimitOptions {
  /** Default 100 requests per minute per IP; `false` for none. */
  perIp?: RateLimitWindow | false
  /** Default 10 requests per minute per wallet; `false` for none. */
  perWallet?: RateLimitWindow | false
  /** An ioredis client, to count across every instance of the API (default: in memory, per instance). */
  redis?: unknown
}

export interface ResolvedRateLimit {
  perIp: RateLimitWindow | false
  perWallet: RateLimitWindow | false
  redis: unknown
}

export const DEFAULT_RATE_LIMIT: ResolvedRateLimit = Object.freeze({
  perIp: Object.freeze({ max: 100, timeWindow: 60_000 }),
  perWallet: Object.freeze({ max: 10, timeWindow: 60_000 }),
  redis: undefined,
})

function resolveWindow(
  value: unknown,
  path: string,
  fallback: RateLimitWindow | false,
  fail: ConfigErrorFactory,
): RateLimitWindow | false {
  if (value === undefined) return fallback
  if (value === false) return false
  const window = expectRecord(value, path, fail, '{ max, timeWindow } (timeWindow in ms) or false')
  refuseUnknownKeys(window, { keys: ['max', 'timeWindow'] }, path, fail)
  refuseUndefinedValues(window, path, fail)
  return {
    max: optionalInteger(window.max, `${path}.max`, fail, { min: 1, fallback: fallback ? fallback.max : 1 }),
    timeWindow: optionalInteger(window.timeWindow, `${path}.timeWindow`, fail, {
      min: 1000,
      max: 86_400_000,
      fallback: fallback ? fallback.timeWindow : 60_000,
    }),
  }
}

export function resolveRateLimit(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
): ResolvedRateLimit | false {
  if (value === undefined) return DEFAULT_RATE_LIMIT
  if (value === false) return false
  const options = expectRecord(value, path, fail, '{ perIp?, perWallet?, redis? } or false')
  refuseUnknownKeys(options, { keys: ['perIp', 'perWallet', 'redis'] }, path, fail)
  refuseUndefinedValues(options, path, fail)
  if (options.redis !== undefined && (typeof options.redis !== 'object' || options.redis === null)) {
    throw fail(`${path}.redis`, `must be an ioredis client, got ${describeValue(options.redis)}`)
  }
  return {
    perIp: resolveWindow(options.perIp, `${path}.perIp`, DEFAULT_RATE_LIMIT.perIp, fail),
    perWallet: resolveWindow(options.perWallet, `${path}.perWallet`, DEFAULT_RATE_LIMIT.perWallet, fail),
    redis: options.redis,
  }
}
