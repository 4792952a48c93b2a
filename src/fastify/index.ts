/**
 * `fastify-picket`: the Fastify plugin. `import picket from 'fastify-picket'`.
 */
import './declarations.js'
import { fastifyPicket } from './plugin.js'

export type { PicketDecorator } from './declarations.js'
export {
  PicketBadRequestError,
  PicketForbiddenOriginError,
  PicketInsufficientError,
  PicketInvalidTokenError,
  PicketLoginFailedError,
  PicketNoTokenError,
  PicketOptionsError,
  PicketPayloadTooLargeError,
  PicketTooManyRequestsError,
  PicketUnavailableError,
  PicketUngatedRouteError,
} from './errors.js'
export { type GateHook, NEW_TOKEN_HEADER, satisfies } from './gate.js'
export type {
  AllowedDomains,
  CookieOptions,
  GateHookName,
  HelperRoutesOptions,
  PicketPluginOptions,
  VerifyOptions,
} from './options.js'
export * from './revocation.js'
export type { PicketRouteConfig, PicketRouteOptions } from './route-config.js'
export { fastifyPicket }
export default fastifyPicket
