/**
 * Real ES256 keys and real signed Picket-shaped tokens for tests that exercise verification
 * without a whole authority (the plugin's own suites also run against the bundled authority).
 */
import { randomUUID } from 'node:crypto'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
import type { AccessTokenPayload } from '../../packages/core/src/core/types.js'

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export async function createSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }
  return { kid, privateKey, publicJwk }
}

export const ISSUER = 'http://127.0.0.1/api/v1'
export const AUDIENCE = 'project-under-test'

export function claimsFor(overrides: Partial<AccessTokenPayload> = {}): AccessTokenPayload {
  const now = Math.floor(Date.now() / 1000)
  const walletAddress = overrides.walletAddress ?? '0x1111111111111111111111111111111111111111'
  return {
    chain: 'ethereum',
    walletAddress,
    displayAddress: walletAddress,
    tokenBalances: {},
    iat: now,
    exp: now + 3600,
    iss: ISSUER,
    sub: `ethereum:${walletAddress}`,
    aud: AUDIENCE,
    tid: randomUUID(),
    ver: 1,
    // The site it was signed in on, as the bundled authority records it.
    domain: 'localhost:3000',
    ...overrides,
  }
}

/** Signs `claims` (all of them, including iat/exp) with ES256 and the key's `kid`. */
export async function mintToken(key: SigningKey, claims: object = claimsFor()): Promise<string> {
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
    .sign(key.privateKey)
  // As an issuer must: verifiers accept only the low-s form of an ES256 signature.
  return withLowS(token)
}
