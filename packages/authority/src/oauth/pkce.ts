import { createHash, timingSafeEqual } from 'node:crypto'

/** RFC 7636 §4.1: 43–128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
/** An S256 challenge is base64url(SHA-256) without padding: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

export function isS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge)
}

/** Whether `verifier` is well formed and hashes (S256) to `challenge`, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !isS256Challenge(challenge)) return false
  const computed = createHash('sha256').update(verifier, 'ascii').digest()
  return timingSafeEqual(computed, Buffer.from(challenge, 'base64url'))
}
