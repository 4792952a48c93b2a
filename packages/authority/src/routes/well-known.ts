import type { FastifyInstance } from 'fastify'
import type { JWK } from 'jose'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { TOKEN_ALGORITHM } from '../tokens/signing-key.js'

/** Route config marking endpoints that need no API key. */
export const PUBLIC_ROUTE = { picketAuthorityPublic: true }

/**
 * `.well-known/jwks.json` and `.well-known/openid-configuration` under the API prefix (§2.10,
 * §5.4), public like any JWKS: relying parties verify tokens locally with them.
 */
export function registerWellKnownRoutes(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.get(
    '/.well-known/jwks.json',
    { config: PUBLIC_ROUTE },
    async (_request, reply): Promise<{ keys: JWK[] }> => {
      reply.header('cache-control', 'public, max-age=300')
      return { keys: [runtime.signingKey.publicJwk] }
    },
  )
  app.get('/.well-known/openid-configuration', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300')
    // Both from the bound issuer: a document cached publicly must never carry a JWKS location
    // taken from a client's Host header.
    const issuer = issuerOf(runtime)
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: [TOKEN_ALGORITHM],
      subject_types_supported: ['public'],
      response_types_supported: ['token'],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'tid',
        'ver',
        'chain',
        'walletAddress',
        'displayAddress',
        'tokenBalances',
        'tokenIdBalances',
        'domain',
        'sid',
      ],
    }
  })
}
