import { createRequire } from 'node:module'
import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { issuerOf } from '../request-context.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { json, SCHEMAS } from './schemas.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/** Security schemes a route names in `schema.security` (the API key is the default). */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'basic',
    description:
      "The project's publishable or secret key as the Basic username, no password (§1.3). Every SDK form is " +
      'accepted: `Basic  b64(key)` (picket-js, two spaces), `Basic b64(key)` (picket-node), `Basic b64(key:)` ' +
      '(picket-python, picket-go, curl -u KEY:).',
  },
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token minted by this authority',
  },
} as const

const TAGS = [
  { name: 'Login', description: 'Wallet login: nonce, signature, access token (§2.1, §2.2)' },
  { name: 'Sessions', description: 'Validate an access token or authorize it for more (§2.3, §2.4)' },
  { name: 'Chains', description: 'Supported chains and token ownership (§2.5–§2.7)' },
  { name: 'OAuth 2.0', description: 'Authorization code flow with PKCE and OpenID Connect (§2.8–§2.10)' },
  { name: 'Discovery', description: 'Public keys, discovery documents and this API document' },
  { name: 'Operations', description: 'Liveness, readiness and Prometheus metrics for monitors (public)' },
]

const OPENAPI_SCHEMA = {
  summary: 'This API document',
  description:
    'OpenAPI 3 description of every endpoint, generated from the route schemas. Public (no API key). ' +
    '`servers[0].url` is the issuer, the public URL of the API prefix.',
  tags: ['Discovery'],
  response: {
    200: json('The OpenAPI document', { type: 'object', required: ['openapi', 'info', 'paths'] }),
  },
} as const

/**
 * Registers @fastify/swagger in the authority's (encapsulated) context and serves its document
 * at `GET {prefix}/openapi.json`. Call before any route is added: the plugin collects routes in
 * `onRoute`. Paths are relative to the prefix; `servers` is the issuer, read per request
 * (`startAuthority` binds it only once it listens). Routes with the PUBLIC_ROUTE config and no
 * `security` of their own are documented as needing none; the others need the API key.
 */
export async function registerOpenApi(app: FastifyInstance, runtime: AuthorityRuntime): Promise<void> {
  const prefix = app.prefix
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Picket API v1 (picket-authority)',
        version,
        description:
          'A self-hosted, wire-compatible Picket API v1: wallet login (SIWE, Solana), ES256 access tokens, ' +
          'token gating read on chain, OAuth 2.0 / OpenID Connect. Request bodies are read as tolerantly as ' +
          'the official SDKs need (snake_case aliases, `""` and `null` as absent, numeric strings); the ' +
          'schemas below show the canonical shapes. Every error is `{msg, code}`.',
      },
      tags: TAGS,
      components: { securitySchemes: SECURITY_SCHEMES, schemas: SCHEMAS },
      security: [{ apiKey: [] }],
    },
    transform: ({ schema, url, route }) => {
      const documented: Record<string, unknown> = { ...schema }
      const isPublic = (route.config as { picketAuthorityPublic?: boolean } | undefined)
        ?.picketAuthorityPublic
      if (isPublic && documented.security === undefined) documented.security = []
      return { schema: documented, url: url.startsWith(prefix) ? url.slice(prefix.length) || '/' : url }
    },
  })

  app.get('/openapi.json', { config: PUBLIC_ROUTE, schema: OPENAPI_SCHEMA }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300')
    // swagger() builds the document once and caches it; the copy adds the bound issuer.
    return { ...app.swagger(), servers: [{ url: issuerOf(runtime) }] }
  })
}
