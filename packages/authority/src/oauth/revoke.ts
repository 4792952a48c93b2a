import type { FastifyInstance } from 'fastify'
import { REVOKE_SCHEMA } from '../openapi/oauth-schemas.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { authenticateClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import { familyOfRefreshToken } from './opaque-tokens.js'
import { readTokenRequest } from './token-request.js'
import { verifiedClaims } from './userinfo.js'

/**
 * `POST /oauth2/revoke` (RFC 7009): ends the session of a refresh token, or of an access token
 * (its `sid`), for the client it was issued to. 200 whatever the token (§2.2: an invalid token
 * is no error), so the answer tells nothing about tokens the caller does not hold.
 */
export function registerRevokeRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/oauth2/revoke',
    { config: PUBLIC_ROUTE, bodyLimit: runtime.bodyLimit, schema: REVOKE_SCHEMA },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const body = readTokenRequest(request.body)
      const client = authenticateClient(runtime, request.headers.authorization, body)
      const token = body.token
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required')
      const familyId = await sessionOf(runtime, token, client.project.id)
      if (familyId !== undefined) await runtime.oauth.sessions.revoke(familyId)
      return {}
    },
  )
}

async function sessionOf(
  runtime: AuthorityRuntime,
  token: string,
  projectId: string,
): Promise<string | undefined> {
  const familyId = familyOfRefreshToken(token)
  if (familyId !== undefined) {
    const record = await runtime.oauth.sessions.get(familyId)
    // Any token of the family ends it: an older one coming back is reuse, which ends it anyway.
    return record?.family.projectId === projectId ? familyId : undefined
  }
  try {
    const claims = await verifiedClaims(runtime, token)
    return claims.aud === projectId ? claims.sid : undefined
  } catch (error) {
    if (error instanceof OAuthError) return undefined
    throw error
  }
}
