import { isHostPort } from '../core/siwe-context.js'
import { describeValue } from '../core/strict-input.js'
import { optionsError as fail } from './errors.js'

/** SIWE domains (host[:port]) a server accepts: strings, anchored RegExps, or a function. */
export type AllowedDomains = ReadonlyArray<string | RegExp> | ((domain: string) => boolean)

/**
 * `allowedDomains`: where this server's users sign in. A string must be a host[:port] (no
 * scheme, path or wildcard); a RegExp must be anchored at both ends (`/^app\.example\.com$/`),
 * because `/example\.com/` also matches `example.com.attacker.net`.
 */
export function resolveAllowedDomains(value: unknown, path: string): AllowedDomains {
  if (typeof value === 'function') return value as AllowedDomains
  if (!Array.isArray(value) || value.length === 0) {
    throw fail(
      path,
      `must be a non-empty array of domains, RegExps or a function, got ${describeValue(value)}`,
    )
  }
  for (const [index, entry] of value.entries()) {
    const at = `${path}[${index}]`
    if (entry instanceof RegExp) {
      if (!entry.source.startsWith('^') || !entry.source.endsWith('$') || entry.source.endsWith('\\$')) {
        throw fail(
          at,
          `must be anchored at both ends, e.g. /^${entry.source.replace(/^\^|\$$/g, '')}$/: ${entry} also matches other sites' domains`,
        )
      }
      continue
    }
    if (!isHostPort(entry)) {
      throw fail(
        at,
        `must be a host[:port] such as 'example.com' or 'localhost:3000' (no scheme, path or wildcard), got ${describeValue(entry)}`,
      )
    }
  }
  return Object.freeze([...value]) as AllowedDomains
}
