/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
 * Returns whole seconds from `now` (never negative), or `undefined` when absent or malformed,
 * so a garbled header falls back to ordinary backoff instead of failing the call.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header == null) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value)
  // Date.parse also accepts "2" or "1.5" as dates; only IMF-fixdate-like text counts as a date.
  if (!/[a-z]/i.test(value)) return undefined
  const date = Date.parse(value)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - now) / 1000))
}
