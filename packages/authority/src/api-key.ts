import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Extracts the API key from an `Authorization: Basic …` header, tolerating every SDK's
 * variant (reference §1.3): picket-js sends two spaces and no colon, picket-node one space and
 * no colon, picket-python / picket-go a trailing colon (empty password). Common Basic parsers
 * (npm `basic-auth`, Go's `Request.BasicAuth`) reject some of these, hence this one.
 *
 * Returns `undefined` when the header is malformed; the caller answers `api_key_invalid`.
 */
export function parseBasicApiKey(header: string): string | undefined {
  const decoded = decodeBasic(header)
  if (decoded === undefined) return undefined
  const colon = decoded.indexOf(':')
  const key = colon === -1 ? decoded : decoded.slice(0, colon)
  return key.length > 0 ? key : undefined
}

/** The decoded credentials of a `Basic` header in any SDK's spelling, or undefined when malformed. */
function decodeBasic(header: string): string | undefined {
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header.trim())
  if (!match) return undefined
  const encoded = match[1]!.replace(/=+$/, '')
  // Standard base64 of n bytes has length ≢ 1 (mod 4) once padding is stripped.
  if (encoded.length === 0 || encoded.length % 4 === 1) return undefined
  return Buffer.from(encoded, 'base64').toString('utf8')
}

/** SHA-256 of a key: fixed-length input for `timingSafeEqual`, whatever the key lengths. */
export function digestApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/** Constant-time equality of a presented key's digest and a stored key's digest. */
export function apiKeyDigestsEqual(presented: Buffer, stored: Buffer): boolean {
  return timingSafeEqual(presented, stored)
}

/** `Authorization: Basic` credentials: the user part, and the password when a `:` is present. */
export interface BasicCredentials {
  user: string
  password?: string
}

/**
 * The same tolerant parse as `parseBasicApiKey` (one or more spaces, no colon or a colon), keeping
 * the password: OAuth clients send `client_id:client_secret` (RFC 6749 §2.3.1), each
 * form-urlencoded first. Undefined when malformed.
 */
export function parseBasicCredentials(header: string): BasicCredentials | undefined {
  const decoded = decodeBasic(header)
  if (decoded === undefined) return undefined
  const colon = decoded.indexOf(':')
  if (colon === -1) return decoded.length > 0 ? { user: decoded } : undefined
  const user = formDecode(decoded.slice(0, colon))
  const password = formDecode(decoded.slice(colon + 1))
  if (!user || password === undefined) return undefined
  return password === '' ? { user } : { user, password }
}

/** application/x-www-form-urlencoded decoding of one value; undefined when malformed. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}
