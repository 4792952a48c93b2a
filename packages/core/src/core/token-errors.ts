/**
 * Why a bearer token was not accepted. The Fastify adapter maps each to an RFC 6750 answer:
 * `InvalidTokenError` → 401 `invalid_token`, `VerifierUnavailableError` → 503 with Retry-After
 * (fail closed: an unreachable key set or API never lets a token through).
 */

export class InvalidTokenError extends Error {
  readonly code = 'PICKET_INVALID_TOKEN'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InvalidTokenError'
  }
}

export class VerifierUnavailableError extends Error {
  readonly code = 'PICKET_VERIFIER_UNAVAILABLE'
  /** Seconds a client should wait before trying again. */
  readonly retryAfter: number
  constructor(message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options)
    this.name = 'VerifierUnavailableError'
    this.retryAfter = options?.retryAfter ?? 5
  }
}
