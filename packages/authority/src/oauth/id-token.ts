import { createHash } from 'node:crypto'
import { SignJWT } from 'jose'
import type { AuthenticatedUser } from 'picket-core'
import { withLowS } from 'picket-core'
import { type SigningKey, TOKEN_ALGORITHM } from '../tokens/signing-key.js'

export interface IdTokenInput {
  issuer: string
  /** The OAuth client id (the project's publishable key): the ID token's audience. */
  clientId: string
  user: AuthenticatedUser
  /** The session (refresh family) id. */
  sessionId: string
  scope: readonly string[]
  /** Seconds since the epoch. */
  authTime: number
  issuedAt: number
  expiresAt: number
  /** The authorization request's nonce; absent on refresh (OIDC Core §12.2). */
  nonce?: string
  accessToken: string
}

/**
 * The OpenID Connect ID token (OIDC Core §2, §3.1.3.6): ES256 with the current key. `sub` is
 * the access token's (`chain:walletAddress`), so both name the wallet the same way.
 */
export async function issueIdToken(key: SigningKey, input: IdTokenInput): Promise<string> {
  const { user } = input
  const claims: Record<string, unknown> = {
    sub: `${user.chain}:${user.walletAddress}`,
    auth_time: input.authTime,
    at_hash: accessTokenHash(input.accessToken),
    sid: input.sessionId,
    chain: user.chain,
    walletAddress: user.walletAddress,
    displayAddress: user.displayAddress,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.scope.includes('profile') ? { preferred_username: user.displayAddress } : {}),
  }
  const signed = await new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT', kid: key.kid })
    .setIssuer(input.issuer)
    .setAudience(input.clientId)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.expiresAt)
    .sign(key.privateKey)
  return withLowS(signed)
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token's ASCII. */
function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
