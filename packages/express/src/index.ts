/**
 * `express-picket`: wallet login and token gating for Express, speaking the Picket API v1 wire
 * format, with the Fastify plugin's gates and guarantees (both are thin layers over
 * `picket-core/server`).
 *
 * ```ts
 * app.use(picket({ apiKey, baseURL, verify: { jwks, audience }, allowedDomains: ['localhost:3000'] }))
 * app.use('/auth', picketRouter())
 * app.get('/holders', requireWallet({ requirements: { contractAddress: '0x…' } }), handler)
 * app.use(picketErrorHandler())
 * ```
 */
import './declarations.js'
import {
  makeRedisRevocationList,
  type RedisRevocationListOptions,
  type RevocationList,
} from 'picket-core/server'
import { optionsError, refusals } from './errors.js'

export type { AccessTokenPayload, GateConfig, GateOptions } from 'picket-core'
export { PicketClient } from 'picket-core/client'
export type {
  RedisRevocationListOptions,
  RevocableToken,
  RevocationList,
  RevocationRedisClient,
} from 'picket-core/server'
export { NEW_TOKEN_HEADER } from 'picket-core/server'
export { picketErrorHandler } from './error-handler.js'
export {
  PicketBadRequestError,
  PicketError,
  PicketForbiddenOriginError,
  PicketInsufficientError,
  PicketInvalidTokenError,
  PicketLoginFailedError,
  PicketNoTokenError,
  PicketOptionsError,
  PicketPayloadTooLargeError,
  PicketTooManyRequestsError,
  PicketUnavailableError,
} from './errors.js'
export type { AllowedDomains, CookieOptions, PicketLogger, PicketOptions, VerifyOptions } from './options.js'
export { type PicketMiddleware, picket } from './picket.js'
export { requireWallet } from './require-wallet.js'
export { assertGatedRoutes } from './route-order.js'
export { type PicketRouterOptions, picketRouter } from './router.js'

/**
 * Token revocation shared by every instance of an API (Redis), for `picket({ revocationList })`.
 * When Redis cannot answer, `isRevoked` rejects with a 503 `PICKET_UNAVAILABLE` (Retry-After):
 * the request fails closed.
 */
export function createRedisRevocationList(options: RedisRevocationListOptions): RevocationList {
  return makeRedisRevocationList(options, { fail: optionsError, unavailable: refusals.unavailable })
}

export { picket as default } from './picket.js'
