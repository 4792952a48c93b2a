import type { AllowedDomains } from './domain-options.js'

/** Is a SIWE `domain` (host[:port]) one this server accepts logins for? */
export function isAllowedDomain(domain: string, allowed: AllowedDomains): boolean {
  if (typeof allowed === 'function') return allowed(domain) === true
  return allowed.some((entry) => {
    if (typeof entry === 'string') return entry.toLowerCase() === domain.toLowerCase()
    // A RegExp with the g or y flag keeps state between calls; reset it so each test is fresh.
    entry.lastIndex = 0
    return entry.test(domain)
  })
}
