import type { AccessTokenExtensions, AuthenticatedUser, AuthResponse } from 'picket-core'
import type { ProjectConfig } from '../config.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { issueAccessToken } from './issue.js'

/**
 * The token's chain as this authority serves it (`caip2`), so its balances prove gate
 * conditions on exactly that chain (an adapter may map the slug elsewhere).
 */
export function withChainId(
  runtime: Pick<AuthorityRuntime, 'gateChains'>,
  user: Pick<AuthenticatedUser, 'chain'>,
  extensions: AccessTokenExtensions,
): AccessTokenExtensions {
  const { aliases } = runtime.gateChains
  return Object.hasOwn(aliases, user.chain) ? { ...extensions, caip2: aliases[user.chain]! } : extensions
}

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
    extensions: withChainId(runtime, user, extensions),
    issuer: issuerOf(runtime),
    audience: project.id,
    issuedAt,
    expiresAt: expiresAt ?? issuedAt + project.tokenTTL,
  })
  return { accessToken, user }
}
