/**
 * The checks a relying party owes its users before a SIWE login counts (EIP-4361 §Security,
 * DESIGN "Lessons"), in one place for the plugin's `/auth/login` and the authority:
 *
 * - `domain` is a site this server serves: a message signed on a phishing site names that site;
 * - `uri` is on such a site too (the resource the user was asked to sign in to);
 * - `issuedAt` is a time, neither in the future (beyond a little clock skew) nor older than the
 *   nonce it carries could be;
 * - no field holds a line break or other control character, which could add lines (an
 *   `Expiration Time`, a second `URI`) to the text the wallet signs.
 *
 * The authority additionally parses the rebuilt message with viem's EIP-4361 parser.
 */
export interface SiweContextFields {
  domain?: string | undefined
  uri?: string | undefined
  issuedAt?: string | undefined
}

export interface SiweContextPolicy {
  /** Whether a host[:port] (already lower-cased) is one this server accepts logins for. */
  isAllowedDomain(domain: string): boolean
  /** Milliseconds since the epoch. */
  now: number
  /** How old `issuedAt` may be, in seconds (the nonce lifetime: no nonce outlives it). */
  maxAgeSeconds: number
}

/** host[:port] (RFC 3986 authority without userinfo): a DNS name, an IPv4 or a bracketed IPv6 address. */
const HOST_PORT =
  /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)(:\d{1,5})?$/i

/** Whether `value` is a `host[:port]`, the form of a SIWE `domain` and of `allowedDomains` entries. */
export function isHostPort(value: unknown): value is string {
  return typeof value === 'string' && HOST_PORT.test(value)
}

/** Clock difference tolerated between the signing device and this server. */
export const ISSUED_AT_SKEW_SECONDS = 60

export type SiweContextProblem =
  /** The field is missing or malformed: the request is wrong (400). */
  | { kind: 'invalid'; field: keyof SiweContextFields; message: string }
  /** The field is well-formed but not accepted: another site, or a stale or future message. */
  | { kind: 'refused'; field: keyof SiweContextFields; message: string }

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/

/** The first problem with a SIWE context, or `undefined` when it may be signed in with. */
export function checkSiweContext(
  context: SiweContextFields,
  policy: SiweContextPolicy,
): SiweContextProblem | undefined {
  const { domain, uri, issuedAt } = context
  for (const field of ['domain', 'uri', 'issuedAt'] as const) {
    const value = context[field]
    if (typeof value !== 'string' || value === '') {
      return { kind: 'invalid', field, message: `context.${field} is required` }
    }
    if (CONTROL_OR_SPACE.test(value)) {
      return {
        kind: 'invalid',
        field,
        message: `context.${field} must not contain spaces, line breaks or control characters`,
      }
    }
  }
  if (!isHostPort(domain)) {
    return {
      kind: 'invalid',
      field: 'domain',
      message: 'context.domain must be a host[:port] such as example.com',
    }
  }
  if (!policy.isAllowedDomain(domain!.toLowerCase())) {
    return {
      kind: 'refused',
      field: 'domain',
      message: `context.domain '${domain}' is not a site this server accepts logins for`,
    }
  }
  if (!URL.canParse(uri!) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri!)) {
    return {
      kind: 'invalid',
      field: 'uri',
      message: 'context.uri must be an absolute URI such as https://example.com',
    }
  }
  const { host } = new URL(uri!)
  if (!policy.isAllowedDomain(host.toLowerCase())) {
    return {
      kind: 'refused',
      field: 'uri',
      message: `context.uri is on '${host}', not a site this server accepts logins for`,
    }
  }
  const issuedAtMs = Date.parse(issuedAt!)
  if (Number.isNaN(issuedAtMs)) {
    return { kind: 'invalid', field: 'issuedAt', message: 'context.issuedAt must be an RFC 3339 timestamp' }
  }
  if (issuedAtMs > policy.now + ISSUED_AT_SKEW_SECONDS * 1000) {
    return {
      kind: 'refused',
      field: 'issuedAt',
      message: 'the message was issued in the future; check the device clock',
    }
  }
  if (issuedAtMs < policy.now - (policy.maxAgeSeconds + ISSUED_AT_SKEW_SECONDS) * 1000) {
    return {
      kind: 'refused',
      field: 'issuedAt',
      message: 'the message is too old (issued before its nonce): sign in again',
    }
  }
  return undefined
}
