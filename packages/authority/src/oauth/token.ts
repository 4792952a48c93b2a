import type { FastifyInstance, FastifyReply } from 'fastify'
import { decideRequirements } from '../authorization.js'
import { TOKEN_SCHEMA } from '../openapi/oauth-schemas.js'
import { clientGoneSignal } from '../request-context.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { authenticateClient, type OAuthClient } from './client-auth.js'
import { OAuthError } from './errors.js'
import type { RefreshFamily } from './grant-stores.js'
import {
  digestToken,
  familyOfRefreshToken,
  newFamily,
  newRefreshToken,
  nextRefreshToken,
} from './opaque-tokens.js'
import { verifierMatches } from './pkce.js'
import { readTokenRequest, type TokenRequest } from './token-request.js'
import { buildTokenResponse, type TokenResponse } from './token-response.js'

/**
 * `POST /oauth2/token` (reference §2.9): the authorization-code grant (PKCE required) and the
 * refresh-token grant. JSON (picket-js) and form-encoded (the docs, every OIDC client) bodies.
 */
export function registerTokenRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/oauth2/token',
    { config: PUBLIC_ROUTE, bodyLimit: runtime.bodyLimit, schema: TOKEN_SCHEMA },
    async (request, reply): Promise<TokenResponse> => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
      const body = readTokenRequest(request.body)
      const client = authenticateClient(runtime, request.headers.authorization, body)
      switch (body.grant_type) {
        case 'authorization_code':
          return exchangeCode(runtime, client, body)
        case 'refresh_token':
          return refresh(runtime, client, body, reply)
        case undefined:
          throw new OAuthError('invalid_request', 'grant_type is required')
        default:
          throw new OAuthError(
            'unsupported_grant_type',
            `grant_type ${body.grant_type} is not supported (authorization_code, refresh_token)`,
          )
      }
    },
  )
}

/**
 * RFC 6749 §4.1.3 + RFC 7636 §4.6. Everything is checked before the code is spent, so a request
 * with a wrong verifier cannot burn a code its client still holds; a code that comes back after
 * it was spent revokes the session it started (§4.1.2: "SHOULD revoke … all tokens previously
 * issued based on that authorization code").
 */
async function exchangeCode(
  runtime: AuthorityRuntime,
  client: OAuthClient,
  body: TokenRequest,
): Promise<TokenResponse> {
  const code = required(body, 'code')
  const redirectUri = required(body, 'redirect_uri')
  const verifier = required(body, 'code_verifier')
  const id = digestToken(code)
  const record = await runtime.oauth.codes.get(id)
  if (!record) throw new OAuthError('invalid_grant', 'The authorization code is invalid or has expired')
  const { grant } = record
  if (grant.clientId !== client.project.publishableKey) {
    throw new OAuthError('invalid_grant', 'The authorization code was issued to another client')
  }
  if (grant.redirectUri !== redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the one of the authorization request')
  }
  if (!verifierMatches(verifier, grant.codeChallenge)) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE S256)')
  }
  // Reuse counts only from the code's own client, redirect URI and verifier: a spent code seen in
  // a history or a log must not let a stranger end the session it started.
  if (record.redeemedBy !== undefined) return refuseCodeReuse(runtime, record.redeemedBy)
  const { handle, id: familyId } = newFamily()
  if (!(await runtime.oauth.codes.redeem(id, familyId))) {
    const again = await runtime.oauth.codes.get(id)
    return refuseCodeReuse(runtime, again?.redeemedBy)
  }
  const project = client.project
  const authTime = grant.authTime
  const family: RefreshFamily = {
    id: familyId,
    projectId: project.id,
    clientId: grant.clientId,
    scope: grant.scope,
    chain: grant.user.chain,
    walletAddress: grant.user.walletAddress,
    requirements: grant.requirements,
    authTime,
    expiresAt: Math.floor(runtime.now() / 1000) + project.refreshTokenTTL,
    extensions: grant.extensions.domain ? { domain: grant.extensions.domain } : {},
    ...(client.confidential ? { confidential: true } : {}),
  }
  const refreshToken = newRefreshToken(handle)
  await runtime.oauth.sessions.create(family, digestToken(refreshToken))
  return buildTokenResponse(runtime, {
    project,
    user: grant.user,
    extensions: grant.extensions,
    sessionId: familyId,
    refreshToken,
    scope: grant.scope,
    authTime,
    ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    sessionExpiresAt: family.expiresAt,
  })
}

async function refuseCodeReuse(runtime: AuthorityRuntime, familyId: string | undefined): Promise<never> {
  if (familyId !== undefined) await runtime.oauth.sessions.revoke(familyId)
  throw new OAuthError(
    'invalid_grant',
    'The authorization code was already used; the session it started is revoked',
  )
}

/**
 * RFC 6749 §6 with rotation (OAuth 2.0 Security BCP §4.14.2): each refresh token works once and
 * is replaced; an older one coming back means two parties hold the family, so all of it is
 * revoked. Before a new access token is signed the chain is read again for the requirements the
 * session was granted, so a session ends within one access-token lifetime of the wallet selling
 * what it was granted for.
 */
async function refresh(
  runtime: AuthorityRuntime,
  client: OAuthClient,
  body: TokenRequest,
  reply: FastifyReply,
): Promise<TokenResponse> {
  const presented = required(body, 'refresh_token')
  const familyId = familyOfRefreshToken(presented)
  const record = familyId === undefined ? undefined : await runtime.oauth.sessions.get(familyId)
  if (!familyId || !record)
    throw new OAuthError('invalid_grant', 'The refresh token is invalid or has expired')
  const { family } = record
  if (family.projectId !== client.project.id) {
    throw new OAuthError('invalid_grant', 'The refresh token was issued to another client')
  }
  if (family.confidential && !client.confidential) {
    throw new OAuthError(
      'invalid_client',
      'This session was started with the client secret: refresh it with the client secret too',
      { status: 401 },
    )
  }
  if (record.revoked) throw new OAuthError('invalid_grant', 'The session of this refresh token was revoked')
  const presentedHash = digestToken(presented)
  if (record.current !== presentedHash) return refuseRefreshReuse(runtime, familyId)

  const chain = runtime.chains.get(family.chain)
  if (!chain) throw new OAuthError('invalid_grant', `chain ${family.chain} is no longer supported`)
  const decision = await decideRequirements(
    runtime.balances,
    chain,
    family.walletAddress,
    family.requirements,
    clientGoneSignal(reply),
    // A refresh re-checks the chain: never an answer from the balance cache.
    true,
  )
  if (!decision.allowed) {
    await runtime.oauth.sessions.revoke(familyId)
    throw new OAuthError(
      'invalid_grant',
      `The wallet no longer meets the requirements of this session (${decision.reason ?? 'requirements not met'}); it is revoked`,
    )
  }
  const next = nextRefreshToken(presented)
  const rotated = await runtime.oauth.sessions.rotate(familyId, presentedHash, digestToken(next))
  if (rotated.status === 'reused') return refuseRefreshReuse(runtime, familyId)
  if (rotated.status !== 'rotated') {
    throw new OAuthError('invalid_grant', 'The session of this refresh token was revoked or has expired')
  }
  const displayAddress = await runtime.balances.resolveDisplayAddress(chain, family.walletAddress)
  return buildTokenResponse(runtime, {
    project: client.project,
    user: {
      chain: chain.slug,
      walletAddress: family.walletAddress,
      displayAddress,
      tokenBalances: decision.tokenBalances,
    },
    extensions: {
      ...withoutBlock(family.extensions),
      ...(decision.tokenIdBalances ? { tokenIdBalances: decision.tokenIdBalances } : {}),
      // The balances are this read's: so is the block (the login's no longer describes them).
      ...(decision.blockNumber !== undefined ? { blockNumber: decision.blockNumber } : {}),
    },
    sessionId: familyId,
    refreshToken: next,
    scope: family.scope,
    authTime: family.authTime,
    sessionExpiresAt: family.expiresAt,
  })
}

async function refuseRefreshReuse(runtime: AuthorityRuntime, familyId: string): Promise<never> {
  await runtime.oauth.sessions.revoke(familyId)
  throw new OAuthError(
    'invalid_grant',
    'This refresh token was already used: the whole session is revoked (sign in again)',
  )
}

function required(
  body: TokenRequest,
  name: 'code' | 'redirect_uri' | 'code_verifier' | 'refresh_token',
): string {
  const value = body[name]
  if (value === undefined || value === '') throw new OAuthError('invalid_request', `${name} is required`)
  return value
}

function withoutBlock<T extends { blockNumber?: number }>(extensions: T): Omit<T, 'blockNumber'> {
  const { blockNumber: _login, ...rest } = extensions
  return rest
}
