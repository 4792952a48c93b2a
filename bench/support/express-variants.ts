/** The Express gate benchmark's variants: one route, one handler, one token; only the gate differs. */
export const EXPRESS_VARIANTS = [
  { id: 'ungated', label: 'ungated (bare Express 5, same route)' },
  { id: 'picket-cached', label: 'express-picket local verify + cache' },
  { id: 'picket-nocache', label: 'express-picket local verify, cache off' },
  { id: 'oauth2-jwt-bearer', label: 'express-oauth2-jwt-bearer 1.10.0 ES256 (no cache)' },
] as const

export type ExpressVariantId = (typeof EXPRESS_VARIANTS)[number]['id']

/** What an Express server child needs to build its variant. */
export interface ExpressServerConfig {
  variant: ExpressVariantId
  /** Authority API base URL (picket's client; not called per request with local verification). */
  baseURL: string
  secretKey: string
  jwksUrl: string
  audience: string
  issuer: string
  /** The domain the token was signed in on (express-picket's allowedDomains). */
  domain: string
}

/**
 * express-oauth2-jwt-bearer reads these when an option is missing; the server children must not
 * inherit them from whoever runs the bench.
 */
export const OAUTH2_ENV = ['ISSUER_BASE_URL', 'JWKS_URI', 'ISSUER', 'AUDIENCE', 'SECRET', 'TOKEN_SIGNING_ALG']
