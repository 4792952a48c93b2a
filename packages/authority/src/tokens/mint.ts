import type { AccessTokenExtensions, AuthenticatedUser, AuthResponse } from 'picket-core'
import type { ProjectConfig } from '../config.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { issueAccessToken } from './issue.js'

/**
 * Mints the `{ accessToken, user }` answer of `/auth` and `/authz` (§2.2). `expiresAt`
 * defaults to now + the project's token lifetime.
 */
export async function mintAuthResponse(
  runtime: AuthorityRuntime,
  project: ProjectConfig,
  user: AuthenticatedUser,
  extensions: AccessTokenExtensions,
  expiresAt?: number,
): Promise<AuthResponse> {
  const issuedAt = Math.floor(runtime.now() / 1000)
  const { accessToken } = await issueAccessToken(runtime.signingKey, {
    user,
    extensions,
    issuer: issuerOf(runtime),
    audience: project.id,
    issuedAt,
    expiresAt: expiresAt ?? issuedAt + project.tokenTTL,
  })
  return { accessToken, user }
}
