import { randomUUID } from 'node:crypto'
import type { AccessTokenExtensions, AccessTokenPayload, AuthenticatedUser } from 'picket-core'
import { withLowS } from 'picket-core'
import { signEs256Jws } from './compact-jws.js'
import { type SigningKey, TOKEN_ALGORITHM } from './signing-key.js'

/** Version of the API that minted a token (`ver` claim, reference §5.2). */
export const TOKEN_VERSION = 1

export interface AccessTokenInput {
  user: AuthenticatedUser
  /** This package's claims beside Picket's: per-id balances, the SIWE domain. */
  extensions?: AccessTokenExtensions
  issuer: string
  /** Project id (`aud`). */
  audience: string
  /** Seconds since the epoch. */
  issuedAt: number
  /** Seconds since the epoch. */
  expiresAt: number
  /**
   * An OAuth access token in RFC 9068's profile: header `typ: at+jwt` and the claims
   * `client_id`, `jti` and `scope` beside Picket's (which the plugin and SDKs read).
   */
  rfc9068?: { clientId: string; scope: string }
}

/** Mints an ES256 access token with the Picket claim set (§5.2): `{ accessToken, claims }`. */
export async function issueAccessToken(
  key: SigningKey,
  input: AccessTokenInput,
): Promise<{ accessToken: string; claims: AccessTokenPayload }> {
  const { user } = input
  const tid = randomUUID()
  const claims: AccessTokenPayload = {
    chain: user.chain,
    walletAddress: user.walletAddress,
    displayAddress: user.displayAddress,
    tokenBalances: user.tokenBalances,
    iat: input.issuedAt,
    exp: input.expiresAt,
    iss: input.issuer,
    sub: `${user.chain}:${user.walletAddress}`,
    aud: input.audience,
    tid,
    ver: TOKEN_VERSION,
    ...(input.extensions?.tokenIdBalances ? { tokenIdBalances: input.extensions.tokenIdBalances } : {}),
    ...(input.extensions?.domain ? { domain: input.extensions.domain } : {}),
    ...(input.extensions?.blockNumber !== undefined ? { blockNumber: input.extensions.blockNumber } : {}),
    ...(input.extensions?.gateFacts ? { gateFacts: input.extensions.gateFacts } : {}),
    ...(input.extensions?.caip2 ? { caip2: input.extensions.caip2 } : {}),
    // A login starts a session; a token minted from another (/authz) continues its session.
    sid: input.extensions?.sid ?? tid,
  }
  const profile = input.rfc9068
  const payload = profile
    ? { ...claims, client_id: profile.clientId, jti: tid, scope: profile.scope }
    : claims
  // Signed on this thread with node:crypto: the bytes jose's SignJWT makes, at a fraction of its cost.
  const signed = signEs256Jws(
    { alg: TOKEN_ALGORITHM, typ: profile ? 'at+jwt' : 'JWT', kid: key.kid },
    { ...payload },
    key.privateKey,
  )
  // ECDSA returns s or n − s at random; only the low-s twin is accepted.
  return { accessToken: withLowS(signed), claims }
}
