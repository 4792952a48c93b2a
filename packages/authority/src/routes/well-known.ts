import type { FastifyContextConfig, FastifyInstance } from 'fastify'
import type { JWK } from 'jose'
import { json, ref } from '../openapi/schemas.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { TOKEN_ALGORITHM } from '../tokens/signing-key.js'

/** Route config marking endpoints that need no API key. */
export const PUBLIC_ROUTE: FastifyContextConfig & { picketAuthorityPublic: boolean } = {
  picketAuthorityPublic: true,
}

const JWKS_SCHEMA = {
  summary: 'The public keys that verify access tokens',
  description:
    'Every published key: the next, the current and retired ones (§5.4). Public, cacheable for 5 minutes.',
  tags: ['Discovery'],
  response: { 200: json('The JSON Web Key Set', ref('JsonWebKeySet')) },
} as const

const OPENID_CONFIGURATION_SCHEMA = {
  summary: 'OpenID Connect discovery document',
  description: 'OpenID Provider metadata of this issuer (§2.10). Public, cacheable for 5 minutes.',
  tags: ['Discovery'],
  response: {
    200: json('The provider metadata', {
      type: 'object',
      required: ['issuer', 'jwks_uri', 'response_types_supported', 'id_token_signing_alg_values_supported'],
      properties: {
        issuer: { type: 'string' },
        jwks_uri: { type: 'string' },
        authorization_endpoint: { type: 'string' },
        token_endpoint: { type: 'string' },
        userinfo_endpoint: { type: 'string' },
        revocation_endpoint: { type: 'string' },
        response_types_supported: { type: 'array', items: { type: 'string' } },
        id_token_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
      },
    }),
  },
} as const

/**
 * `.well-known/jwks.json` and `.well-known/openid-configuration` under the API prefix (§2.10,
 * §5.4), public like any JWKS: relying parties verify tokens locally with them.
 */
export function registerWellKnownRoutes(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.get(
    '/.well-known/jwks.json',
    { config: PUBLIC_ROUTE, schema: JWKS_SCHEMA },
    async (_request, reply): Promise<{ keys: JWK[] }> => {
      reply.header('cache-control', 'public, max-age=300')
      // Next, current and retired keys: a token verifies with any of them until its key leaves.
      return { keys: [...runtime.keySet.jwks.keys] }
    },
  )
  const discovery = { config: PUBLIC_ROUTE, schema: OPENID_CONFIGURATION_SCHEMA }
  app.get('/.well-known/openid-configuration', discovery, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300')
    // Both from the bound issuer: a document cached publicly must never carry a JWKS location
    // taken from a client's Host header.
    const issuer = issuerOf(runtime)
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      userinfo_endpoint: `${issuer}/oauth2/userinfo`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      scopes_supported: ['openid', 'profile', 'offline_access'],
      response_types_supported: ['code'],
      // `code` is picket-js's name for `query` (reference §2.8); web_message is its popup.
      response_modes_supported: ['query', 'web_message'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [TOKEN_ALGORITHM],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'at_hash',
        'sid',
        'tid',
        'ver',
        'chain',
        'walletAddress',
        'displayAddress',
        'preferred_username',
        'tokenBalances',
        'tokenIdBalances',
        'blockNumber',
        'gateFacts',
        'caip2',
        'domain',
      ],
    }
  })
}
