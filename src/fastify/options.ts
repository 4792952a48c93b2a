import type { FastifyRequest, RouteShorthandOptions } from 'fastify'
import { describeValue, expectRecord, type KnownKeys, oneOf, refuseUnknownKeys } from 'picket-core'
import {
  type AllowedDomains,
  type CookieOptions,
  HELPER_ROUTE_KEYS,
  type HelperRouteOptions,
  type PicketServerOptions,
  type ResolvedHelperRoutes,
  type ResolvedServerOptions,
  type ResolvedVerifyOptions,
  resolveHelperRoutes,
  resolveServerOptions,
  type VerifyOptions,
} from 'picket-core/server'
import { optionsError as fail } from './errors.js'

export type { AllowedDomains, CookieOptions, ResolvedVerifyOptions, VerifyOptions }
export type GateHookName = 'onRequest' | 'preValidation' | 'preHandler'

export interface HelperRoutesOptions extends HelperRouteOptions {
  /** Default `/auth`. */
  prefix?: string
  /** Merged into every helper route's options (Fastify route options, checked by name). */
  routeOptions?: RouteShorthandOptions
}

export interface PicketPluginOptions extends PicketServerOptions<FastifyRequest> {
  /** Hook the route gate runs in (default `preHandler`). `onRequest` runs before body parsing. */
  hook?: GateHookName
  /** Helper routes (`/auth/nonce`, `/auth/login`, …), or `false` (default) for none. */
  routes?: HelperRoutesOptions | false
}

export interface ResolvedOptions extends ResolvedServerOptions<FastifyRequest> {
  hook: GateHookName
  routes:
    | (ResolvedHelperRoutes & {
        prefix: string
        allowedDomains: AllowedDomains
        routeOptions: RouteShorthandOptions
      })
    | false
}

const FASTIFY_KEYS = {
  product: 'fastify-picket',
  keys: ['hook', 'routes'],
  elsewhere: {
    prefix:
      "is not applied: fastify-picket adds no prefix of its own; the helper routes' prefix is routes.prefix",
    logLevel: 'is not applied to fastify-picket (it is registered without encapsulation)',
  },
}
const ROUTES: KnownKeys = {
  keys: ['prefix', ...HELPER_ROUTE_KEYS, 'routeOptions'],
  elsewhere: {
    allowedDomains:
      'moved to the top level (allowedDomains): besides login, every token must carry one of those domains',
    requirements:
      'moved to the top level (requirements): they apply to every gated request, not only to login',
  },
}
/** Fastify's route shorthand options, so a typo in `routeOptions` is caught like any other. */
const ROUTE_OPTIONS: KnownKeys = {
  keys: [
    'schema',
    'attachValidation',
    'exposeHeadRoute',
    'validatorCompiler',
    'serializerCompiler',
    'bodyLimit',
    'handlerTimeout',
    'logLevel',
    'logSerializers',
    'config',
    'constraints',
    'prefixTrailingSlash',
    'errorHandler',
    'childLoggerFactory',
    'schemaErrorFormatter',
    'onRequest',
    'preParsing',
    'preValidation',
    'preHandler',
    'preSerialization',
    'onSend',
    'onResponse',
    'onTimeout',
    'onError',
    'onRequestAbort',
  ],
  elsewhere: {
    prefix: 'is routes.prefix',
    handler: "is the plugin's own: helper routes keep their handlers",
  },
}
/** A path of plain segments: `/auth`, `/api/v1/auth` (no query, no empty segments). */
const ROUTE_PREFIX = /^(\/[A-Za-z0-9._~-]+)*$/

function resolveRoutes(
  value: unknown,
  shared: ResolvedServerOptions<FastifyRequest>,
): ResolvedOptions['routes'] {
  if (value === undefined || value === false) return false
  const routes = expectRecord(
    value,
    'routes',
    fail,
    '{ prefix?, maxMessageAge?, setCookie?, rateLimit?, routeOptions? } or false',
  )
  refuseUnknownKeys(routes, ROUTES, 'routes', fail)
  const helpers = resolveHelperRoutes(routes, 'routes', shared, fail)
  const prefix = routes.prefix ?? '/auth'
  if (typeof prefix !== 'string' || !ROUTE_PREFIX.test(prefix.replace(/\/$/, ''))) {
    throw fail(
      'routes.prefix',
      `must be a path such as '/auth' (segments of letters, digits, . _ ~ -), got ${describeValue(prefix)}`,
    )
  }
  const routeOptions = expectRecord(
    routes.routeOptions ?? {},
    'routes.routeOptions',
    fail,
    'Fastify route options',
  )
  refuseUnknownKeys(routeOptions, ROUTE_OPTIONS, 'routes.routeOptions', fail)
  return {
    ...helpers,
    prefix: prefix.replace(/\/$/, ''),
    allowedDomains: shared.allowedDomains!,
    routeOptions: routeOptions as RouteShorthandOptions,
  }
}

/**
 * Validates options at register time, strictly (picket-core's shared rules plus the plugin's
 * own keys): every mistake is a `PicketOptionsError` naming its path and the fix.
 */
export function resolveOptions(options: PicketPluginOptions): ResolvedOptions {
  const { resolved, raw } = resolveServerOptions<FastifyRequest>(options, fail, FASTIFY_KEYS)
  const hook =
    raw.hook === undefined
      ? 'preHandler'
      : oneOf(raw.hook, ['onRequest', 'preValidation', 'preHandler'], 'hook', fail)
  return { ...resolved, hook, routes: resolveRoutes(raw.routes, resolved) }
}
