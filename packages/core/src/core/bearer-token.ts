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

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Order of the P-256 group: an ECDSA signature (r, s) verifies as (r, n − s) too. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** `s` of a 64-byte ES256 signature (r ‖ s), when it is in the upper half: the high-s twin. */
function highS(signature: Buffer): bigint | undefined {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
  return s > P256_ORDER / 2n ? s : undefined
}

/**
 * Whether a base64url segment is the one canonical encoding of its bytes. The last character of
 * a segment whose length is 2 or 3 (mod 4) carries 4 or 2 unused bits; decoders ignore them, so
 * 16 (or 4) spellings decode to the same bytes unless those bits must be zero.
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 1) return false
  if (rest === 0) return true
  const last = BASE64URL.indexOf(segment[segment.length - 1]!)
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

/**
 * Why a compact JWS is not in the one spelling an issuer produces, or `undefined`. Refused:
 * non-canonical base64url (unused bits set) and, for ES256, the high-s twin of a signature
 * (s > n/2; jose, like every JOSE library, signs with low s). Each would verify as the same
 * token under another spelling: another cache key, another `/authz` call.
 */
export function canonicalTokenProblem(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return 'the token is malformed'
  const segments = token.split('.')
  if (!segments.every(isCanonicalBase64url)) return 'the token is not canonically encoded'
  let alg: unknown
  try {
    alg = (JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8')) as { alg?: unknown }).alg
  } catch {
    return 'the token header is not JSON'
  }
  if (alg === 'ES256') {
    const signature = Buffer.from(segments[2]!, 'base64url')
    if (signature.length !== 64) return 'the ES256 signature has the wrong length'
    if (highS(signature) !== undefined) return 'the ES256 signature is not in its canonical (low-s) form'
  }
  return undefined
}

/**
 * An ES256 compact JWS with its signature in low-s form: (r, s) becomes (r, n − s) when s is
 * in the upper half. Both verify (ECDSA malleability); WebCrypto, under jose, returns either at
 * random, and only the low-s one is accepted here, so an issuer passes what it signs through this.
 */
export function withLowS(token: string): string {
  const dot = token.lastIndexOf('.')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  if (signature.length !== 64) return token
  const s = highS(signature)
  if (s === undefined) return token
  const low = Buffer.concat([
    signature.subarray(0, 32),
    Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex'),
  ])
  return `${token.slice(0, dot + 1)}${low.toString('base64url')}`
}
