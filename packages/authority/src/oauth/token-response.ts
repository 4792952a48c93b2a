import type { AccessTokenExtensions, AuthenticatedUser } from 'picket-core'
import type { ProjectConfig } from '../config.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { issueAccessToken } from '../tokens/issue.js'
import { withChainId } from '../tokens/mint.js'
import { issueIdToken } from './id-token.js'

/**
 * The token endpoint's success body: OAuth's snake_case fields (RFC 6749 §5.1, OIDC Core
 * §3.1.3.3) and Picket's camelCase ones with the user (§2.9, §9 #23: the docs name
 * `accessToken, tokenType, expiresIn`; picket-js stores the body as its auth state and reads
 * `accessToken` and `user`).
 */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  /** Only with the `offline_access` scope. */
  refresh_token?: string
  scope: string
  id_token?: string
  accessToken: string
  tokenType: 'Bearer'
  expiresIn: number
  refreshToken?: string
  user: AuthenticatedUser
}

export interface TokenResponseInput {
  project: ProjectConfig
  user: AuthenticatedUser
  extensions: AccessTokenExtensions
  sessionId: string
  refreshToken: string
  scope: readonly string[]
  authTime: number
  /** The authorization request's nonce (first ID token of the session only). */
  nonce?: string
  /** Seconds since the epoch: the session's end, which no token of it outlives. */
  sessionExpiresAt: number
}

export async function buildTokenResponse(
  runtime: AuthorityRuntime,
  input: TokenResponseInput,
): Promise<TokenResponse> {
  const { project, user } = input
  const issuer = issuerOf(runtime)
  const issuedAt = Math.floor(runtime.now() / 1000)
  // No token outlives its session: once the session record is gone, a revoked session could no
  // longer be told from an unknown one.
  const expiresIn = Math.max(1, Math.min(project.tokenTTL, input.sessionExpiresAt - issuedAt))
  const scope = input.scope.join(' ')
  const { accessToken } = await issueAccessToken(runtime.signingKey, {
    user,
    // Every access token of the session names it: revoking the session (reuse, logout, a sold
    // token) is visible to whoever checks `sid`.
    extensions: withChainId(runtime, user, { ...input.extensions, sid: input.sessionId }),
    issuer,
    audience: project.id,
    issuedAt,
    expiresAt: issuedAt + expiresIn,
    ...(project.accessTokenFormat === 'rfc9068'
      ? { rfc9068: { clientId: project.publishableKey, scope } }
      : {}),
  })
  const idToken = input.scope.includes('openid')
    ? await issueIdToken(runtime.signingKey, {
        issuer,
        clientId: project.publishableKey,
        user,
        sessionId: input.sessionId,
        scope: input.scope,
        authTime: input.authTime,
        issuedAt,
        expiresAt: issuedAt + expiresIn,
        ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
        accessToken,
      })
    : undefined
  // The session exists either way (code reuse and revocation end it); its refresh token is
  // handed out only when asked for (OIDC Core §11). picket-js never asks, and it keeps the whole
  // answer in localStorage, where a long-lived credential does not belong.
  const refreshToken = input.scope.includes('offline_access') ? input.refreshToken : undefined
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    scope,
    ...(idToken ? { id_token: idToken } : {}),
    accessToken,
    tokenType: 'Bearer',
    expiresIn,
    ...(refreshToken ? { refreshToken } : {}),
    user,
  }
}
