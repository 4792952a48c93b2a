import { bearerChallenge } from './www-authenticate.js'

/**
 * Why a bearer token was not accepted, with what an HTTP adapter needs to answer (as auth0's
 * express-oauth2-jwt-bearer errors do): `status`, and `headers(realm)` — the RFC 6750
 * `WWW-Authenticate` challenge of a 401, the `Retry-After` of a 503 (fail closed: an unreachable
 * key set or API never lets a token through). Each adapter maps them in one place (the Fastify
 * plugin: `toGateError`).
 */

/** `Retry-After` in whole seconds, at least 1 (`0` would invite an immediate retry storm). */
export function retryAfterSeconds(seconds: number): number {
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1
}

export class InvalidTokenError extends Error {
  readonly code = 'PICKET_INVALID_TOKEN'
  readonly status = 401
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InvalidTokenError'
  }

  /** `WWW-Authenticate: Bearer realm=…, error="invalid_token", error_description=…`. */
  headers(realm: string): Record<string, string> {
    return {
      'www-authenticate': bearerChallenge({ realm, error: 'invalid_token', description: this.message }),
    }
  }
}

export class VerifierUnavailableError extends Error {
  readonly code = 'PICKET_VERIFIER_UNAVAILABLE'
  readonly status = 503
  /** Seconds a client should wait before trying again (whole, ≥ 1). */
  readonly retryAfter: number
  constructor(message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options)
    this.name = 'VerifierUnavailableError'
    this.retryAfter = retryAfterSeconds(options?.retryAfter ?? 5)
  }

  headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfter) }
  }
}
