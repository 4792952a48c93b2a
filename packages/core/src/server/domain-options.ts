import type { ConfigErrorFactory } from '../core/index.js'
import { describeValue, isHostPort } from '../core/index.js'

/** SIWE domains (host[:port]) a server accepts: strings, RegExps (matched against the whole domain), or a function. */
export type AllowedDomains = ReadonlyArray<string | RegExp> | ((domain: string) => boolean)

/**
 * `allowedDomains`: where this server's users sign in. A string must be a host[:port] (no
 * scheme, path or wildcard). A RegExp is matched against the whole domain, as if written
 * `^(?:…)$`: `/example\.com/` does not match `example.com.attacker.net`, and an alternation such
 * as `/^a\.com|b\.com$/` cannot leave one side unanchored.
 */
export function resolveAllowedDomains(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
): AllowedDomains {
  if (typeof value === 'function') return value as AllowedDomains
  if (!Array.isArray(value) || value.length === 0) {
    throw fail(
      path,
      `must be a non-empty array of domains, RegExps or a function, got ${describeValue(value)}`,
    )
  }
  for (const [index, entry] of value.entries()) {
    const at = `${path}[${index}]`
    if (entry instanceof RegExp) continue
    if (!isHostPort(entry)) {
      throw fail(
        at,
        `must be a host[:port] such as 'example.com' or 'localhost:3000' (no scheme, path or wildcard), got ${describeValue(entry)}`,
      )
    }
  }
  // Whole-domain RegExps, without the g/y flags (which would make `test` stateful).
  return Object.freeze(
    value.map((entry) =>
      entry instanceof RegExp ? new RegExp(`^(?:${entry.source})$`, entry.flags.replace(/[gy]/g, '')) : entry,
    ),
  ) as AllowedDomains
}
