import type { AccessTokenPayload, AuthenticatedUser } from 'picket-core'
import type { ChainDefinition } from '../chains/registry.js'
import type { ProjectConfig } from '../config.js'
import { accessTokenInvalid } from '../errors.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { verifyAccessToken } from '../tokens/verify.js'

/** A token of the calling project, verified, with the chain it was minted on. */
export async function verifyProjectToken(
  runtime: AuthorityRuntime,
  project: ProjectConfig,
  token: string,
): Promise<{ claims: AccessTokenPayload; chain: ChainDefinition }> {
  const claims = await verifyAccessToken(runtime.keySet, token, {
    issuer: issuerOf(runtime),
    audience: project.id,
    currentDate: new Date(runtime.now()),
  })
  const chain = runtime.chains.get(claims.chain)
  if (!chain) throw accessTokenInvalid(`chain ${claims.chain} is no longer supported`)
  if (await isRevokedSession(runtime, claims.sid))
    throw accessTokenInvalid('the session of this token was revoked')
  return { claims, chain }
}

/** OAuth session ids are base64url SHA-256 digests; `/auth` logins' sids are UUIDs (their tid). */
const OAUTH_SESSION_ID = /^[A-Za-z0-9_-]{43}$/

/**
 * Whether the token's session is an OAuth session that was revoked (refresh-token reuse, a code
 * used twice, `/oauth2/revoke`, requirements no longer met). Only OAuth session ids are looked
 * up: `/auth` tokens keep answering without a store read.
 */
async function isRevokedSession(runtime: AuthorityRuntime, sid: string | undefined): Promise<boolean> {
  if (sid === undefined || !OAUTH_SESSION_ID.test(sid)) return false
  return (await runtime.oauth.sessions.get(sid))?.revoked === true
}

export function userOf(claims: AccessTokenPayload): AuthenticatedUser {
  return {
    chain: claims.chain,
    walletAddress: claims.walletAddress,
    displayAddress: claims.displayAddress,
    tokenBalances: claims.tokenBalances,
  }
}
