/**
 * Reading `Authorization: Bearer <token>` (RFC 6750 §2.1): scheme case-insensitive, exactly
 * one token in the token68 alphabet, nothing else on the line.
 */

/** token68 (RFC 7235 §2.1): what a JWT's base64url segments and dots fit in. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * A compact JWS: three base64url segments, no padding. jose also decodes padded base64url, so
 * without this `token==` would verify as `token` under another cache key.
 */
export const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** Tokens longer than this are refused before any parsing or hashing; Picket tokens are ~1 KB. */
export const MAX_TOKEN_LENGTH = 16 * 1024

export type BearerParseResult =
  | { kind: 'absent' }
  | { kind: 'token'; token: string }
  | { kind: 'malformed'; reason: string }

export function parseBearerAuthorization(header: string | undefined): BearerParseResult {
  if (header === undefined || header === '') return { kind: 'absent' }
  const space = header.indexOf(' ')
  const scheme = space === -1 ? header : header.slice(0, space)
  // Another scheme (Basic, DPoP…) is not ours: treat it as "no bearer token".
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'absent' }
  const token = space === -1 ? '' : header.slice(space + 1).trim()
  if (token === '') return { kind: 'malformed', reason: 'the Bearer scheme needs a token' }
  if (token.length > MAX_TOKEN_LENGTH) return { kind: 'malformed', reason: 'the token is too long' }
  if (!TOKEN68.test(token))
    return { kind: 'malformed', reason: 'the Authorization header must hold exactly one token' }
  return { kind: 'token', token }
}
