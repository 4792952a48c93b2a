import type { FastifyInstance, FastifyRequest } from 'fastify'
import { decodeJwt } from 'jose'
import type { AccessTokenPayload, TokenBalances } from 'picket-core'
import { AuthorityError } from '../errors.js'
import { USERINFO_SCHEMA } from '../openapi/oauth-schemas.js'
import { verifyProjectToken } from '../routes/access-token.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { OAuthError } from './errors.js'

export interface UserInfo {
  sub: string
  chain: string
  walletAddress: string
  displayAddress: string
  preferred_username: string
  tokenBalances: TokenBalances
}

/**
 * `GET`/`POST /oauth2/userinfo` (OIDC Core §5.3): the wallet of a Bearer access token this
 * authority minted, for any of its projects, unless the token's session was revoked.
 */
export function registerUserinfoRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  const handler = async (request: FastifyRequest): Promise<UserInfo> => {
    const claims = await verifiedClaims(runtime, bearerToken(request))
    return {
      sub: claims.sub,
      chain: claims.chain,
      walletAddress: claims.walletAddress,
      displayAddress: claims.displayAddress,
      preferred_username: claims.displayAddress,
      tokenBalances: claims.tokenBalances,
    }
  }
  app.get('/oauth2/userinfo', { config: PUBLIC_ROUTE, schema: USERINFO_SCHEMA }, async (request) =>
    handler(request),
  )
  app.post(
    '/oauth2/userinfo',
    { config: PUBLIC_ROUTE, bodyLimit: runtime.bodyLimit, schema: USERINFO_SCHEMA },
    async (request) => handler(request),
  )
}

/** RFC 6750 §2.1 only: a token in a query or form body would end up in logs and histories. */
function bearerToken(request: FastifyRequest): string {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(request.headers.authorization ?? '')
  if (!match) {
    throw new OAuthError('invalid_token', 'An access token is required: Authorization: Bearer <token>', {
      status: 401,
      challenge: 'Bearer realm="picket"',
    })
  }
  return match[1]!
}

/**
 * A token of one of this authority's projects (its `aud`), verified as `/auth/validate` does
 * (signature, issuer, expiry, a revoked session). Refusals are RFC 6750's `invalid_token`.
 */
export async function verifiedClaims(runtime: AuthorityRuntime, token: string): Promise<AccessTokenPayload> {
  let audience: unknown
  try {
    audience = decodeJwt(token).aud
  } catch {
    throw invalidToken('malformed token')
  }
  const project = typeof audience === 'string' ? runtime.projects.get(audience) : undefined
  if (!project) throw invalidToken('the token was not issued for a project of this authority')
  let claims: AccessTokenPayload
  try {
    ;({ claims } = await verifyProjectToken(runtime, project, token))
  } catch (error) {
    if (error instanceof AuthorityError && error.statusCode === 401) throw invalidToken(error.message)
    throw error
  }
  return claims
}

function invalidToken(reason: string): OAuthError {
  const description = reason.replace(/^Invalid access token: /, '')
  return new OAuthError('invalid_token', `Invalid access token: ${description}`, {
    status: 401,
    challenge: `Bearer realm="picket", error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
  })
}
