import { createHash, randomBytes } from 'node:crypto'

/**
 * Authorization codes and refresh tokens: 256 random bits, base64url. Stores keep only their
 * SHA-256, so a leaked store (a Redis dump) holds nothing a client could present.
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url')
}

export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * A refresh-token family (a session) has a secret handle, carried by each of its refresh
 * tokens, and a public id — the SHA-256 of the handle — which tokens name as `sid` and the
 * stores are keyed by. A presented old token finds its family through the handle; knowing a
 * session's public id (every access and ID token shows it) does not let anyone forge a token
 * of the family and get it revoked as "reused".
 */
export interface NewFamily {
  handle: string
  id: string
}

export function newFamily(): NewFamily {
  const handle = randomBytes(16).toString('base64url')
  return { handle, id: familyIdOf(handle) }
}

function familyIdOf(handle: string): string {
  return createHash('sha256').update(handle, 'utf8').digest('base64url')
}

/** A new refresh token of the family whose handle is `handle`. */
export function newRefreshToken(handle: string): string {
  return `${handle}.${newOpaqueToken()}`
}

/** The next refresh token of the family of `presented` (a token `familyOfRefreshToken` accepted). */
export function nextRefreshToken(presented: string): string {
  return newRefreshToken(presented.slice(0, presented.indexOf('.')))
}

/** The family (public id) a refresh token belongs to, or undefined when it is not one of ours. */
export function familyOfRefreshToken(token: string): string | undefined {
  const match = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/.exec(token)
  return match ? familyIdOf(match[1]!) : undefined
}
