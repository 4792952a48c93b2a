/** The benchmark's variants: one route, one handler, one token; only the gate differs. */
export const VARIANTS = [
  { id: 'ungated', label: 'ungated (bare Fastify, same route)' },
  { id: 'noop-hook', label: 'reference: empty async preHandler' },
  { id: 'local-cached', label: 'picket local verify + cache' },
  { id: 'local-nocache', label: 'picket local verify, cache off' },
  { id: 'jwt', label: '@fastify/jwt ES256, no cache' },
  { id: 'jwt-cached', label: '@fastify/jwt ES256, cache: true' },
  { id: 'remote-cached', label: 'picket remote validate + cache' },
  { id: 'remote-nocache', label: 'picket remote validate, cache off' },
] as const

export type VariantId = (typeof VARIANTS)[number]['id']

/** What a server child needs to build its variant. */
export interface ServerConfig {
  variant: VariantId
  /** Authority API base URL, e.g. http://127.0.0.1:PORT/api/v1 */
  baseURL: string
  secretKey: string
  jwksUrl: string
  audience: string
  issuer: string
  /** The authority's public signing key as SPKI PEM, for @fastify/jwt. */
  publicKeyPem: string
}

export const ROUTE = '/hello'
