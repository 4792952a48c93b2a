import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { PicketClient } from 'picket-core/client'
import { createPicketEngine, type PicketEngine } from 'picket-core/server'
import type { PicketDecorator } from './declarations.js'
import { headersOf, optionsError, refusals } from './errors.js'
import { createGateHook, type GateHook } from './gate.js'
import { registerHelperRoutes } from './helper-routes.js'
import { type PicketPluginOptions, resolveOptions } from './options.js'
import { type PicketRouteConfig, resolveGate } from './route-config.js'
import {
  asksForGate,
  createFallbackGuard,
  GATE_MARK,
  type GateMark,
  REGISTRATION,
  registryOf,
} from './route-registry.js'
import { fastifyRequestAccess } from './token-access.js'

/** Puts our gate first in the route's hook list, so the route's own hooks see `picketUser`. */
function prependHook(
  route: RouteOptions,
  name: 'onRequest' | 'preValidation' | 'preHandler',
  hook: GateHook,
): void {
  const existing = route[name] as unknown
  route[name] = (
    existing === undefined ? [hook] : Array.isArray(existing) ? [hook, ...existing] : [hook, existing]
  ) as never
}

/**
 * `fastify.picket` of one registration: the client, plus that registration's `gate()`. A view
 * rather than the client itself, so two registrations (nested scopes) sharing one client each
 * keep their own gate. Methods are bound to the client (it keeps its state in private fields).
 */
function createDecorator(client: PicketClient, gate: PicketDecorator['gate']): PicketDecorator {
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(client, {
    get(target, property) {
      if (property === 'gate') return gate
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function' || property === 'constructor') return value
      let method = bound.get(property)
      if (method === undefined) {
        method = value.bind(target)
        bound.set(property, method)
      }
      return method
    },
    has: (target, property) => property === 'gate' || Reflect.has(target, property),
  }) as PicketDecorator
}

/** Sets `fastify.picket` for this scope: declared once at the top, overridden by nested registrations. */
function exposeDecorator(fastify: FastifyInstance, decorator: PicketDecorator): void {
  if (!fastify.hasDecorator('picket')) {
    fastify.decorate('picket', decorator)
  } else {
    // A parent scope has its own registration: this scope (and its children, by inheritance)
    // see this one. Fastify's `decorate` refuses names a parent declared, so define it here.
    Object.defineProperty(fastify, 'picket', {
      value: decorator,
      enumerable: true,
      configurable: true,
      writable: true,
    })
  }
  if (!fastify.hasRequestDecorator('picket')) {
    // The registration of the route's own scope (request.server is that scope's instance).
    fastify.decorateRequest('picket', {
      getter(this: { server: FastifyInstance }) {
        return this.server.picket
      },
    })
  }
  if (!fastify.hasRequestDecorator('picketUser')) fastify.decorateRequest('picketUser', null)
  if (!fastify.hasRequestDecorator('picketToken')) fastify.decorateRequest('picketToken', null)
  if (!fastify.hasRequestDecorator('picketGate')) fastify.decorateRequest('picketGate', null)
}

async function picketPlugin(fastify: FastifyInstance, rawOptions: PicketPluginOptions): Promise<void> {
  if (Object.hasOwn(fastify, REGISTRATION)) {
    throw optionsError(
      'registration',
      'fastify-picket is already registered in this scope. Register it again only in a child scope, with its own options: app.register(async (child) => { await child.register(picket, options) })',
    )
  }
  const options = resolveOptions(rawOptions)
  const registration = {}
  Object.defineProperty(fastify, REGISTRATION, { value: registration, enumerable: false })

  const engine: PicketEngine<FastifyRequest> = createPicketEngine({
    options,
    refusals,
    access: fastifyRequestAccess,
    log: (request) => ({
      debug: (message) => request.log.debug(message),
      error: (object, message) => request.log.error(object, message),
    }),
  })

  function gate(config: PicketRouteConfig = true): GateHook {
    const resolved = resolveGate(config, 'gate()', options.chain, options.chainAliases)
    if (!resolved) throw optionsError('gate()', 'gate(false) gates nothing: leave the hook out instead')
    const hook = createGateHook(engine.gate(resolved))
    // A scope-wide gate steps aside for routes that opt out with `config.picket: false`.
    return function picketScopeGate(request, reply, done) {
      if (request.routeOptions.config.picket === false) return done()
      hook(request, reply, done)
    }
  }
  exposeDecorator(fastify, createDecorator(options.client, gate))
  // The cache's metrics leave the user's registry with the app (a new app may register again).
  fastify.addHook('onClose', async () => engine.close())

  // Routes declare their gate in `config.picket`; read it when the route is added, as
  // @fastify/rate-limit does. This sees routes of this scope and of child scopes declared after
  // this plugin; route-registry.ts checks at startup that every gate runs as declared. A route
  // belongs to the nearest registration: a parent's hook steps aside in a scope with its own.
  const registry = registryOf(fastify)
  registry?.registrations.push({ scope: fastify, seenFrom: registry.declared.length })
  fastify.addHook('onRoute', function gateDeclaredRoute(route) {
    if (!asksForGate(route)) return
    if ((this as unknown as Record<symbol, unknown>)[REGISTRATION] !== registration) return
    const picket = route.config!.picket
    const resolved = resolveGate(
      picket,
      'config.picket',
      options.chain,
      options.chainAliases,
      `${route.method} ${route.url}`,
    )
    if (!resolved) return
    const hook = createGateHook(engine.gate(resolved))
    prependHook(route, options.hook, hook)
    const mark: GateMark = { registration, hook, hookName: options.hook, picket }
    route.config = { ...route.config, [GATE_MARK]: mark } as typeof route.config
  })
  if (!registry) {
    fastify.log.warn(
      'fastify-picket: this Fastify instance was created before fastify-picket was imported, so routes that declare config.picket without a gate cannot be found at startup; such routes in this scope are refused per request instead. Import fastify-picket before calling Fastify() to check at startup.',
    )
    fastify.addHook('onRequest', createFallbackGuard())
  }

  // Headers of our errors go on the reply before any error handler runs (onError runs first),
  // so a custom `setErrorHandler` that only sets status and body still sends `WWW-Authenticate`
  // and `Retry-After`. Only errors that reach Fastify: a gate that @fastify/auth tried and then
  // passed over leaves no header behind.
  fastify.addHook('onError', (_request, reply, error, done) => {
    const headers = headersOf(error)
    if (headers) reply.headers(headers)
    done()
  })

  if (options.cookie) {
    fastify.addHook('onReady', async () => {
      if (!fastify.hasRequestDecorator('cookies')) {
        throw optionsError('cookie', 'needs @fastify/cookie registered before fastify-picket')
      }
    })
  }

  if (!options.allowedDomains) {
    fastify.log.warn(
      "fastify-picket: no allowedDomains, so tokens signed in on any site are accepted (a phishing site could relay its visitors' logins); set allowedDomains to the domains your pages sign in from",
    )
  }

  if (options.verify) {
    // Fetched at startup (a JWKS URL that does not work is named in the log now; startup still
    // succeeds and requests fail closed until it works), then every `verify.maxAge`.
    let keySet: ReturnType<typeof engine.watchKeySet> | undefined
    fastify.addHook('onReady', async () => {
      keySet = engine.watchKeySet(
        {
          info: (message) => fastify.log.info(message),
          warn: (object, message) => fastify.log.warn(object, message),
        },
        'fastify-picket',
      )
      await keySet.ready
    })
    fastify.addHook('onClose', async () => keySet?.stop())
  }

  registerHelperRoutes(fastify, options, engine)
}

/**
 * fastify-picket: wallet login and token gating for Fastify, speaking the Picket API v1 wire
 * format. Register it (awaited) before the routes it gates.
 */
export const fastifyPicket = fp(picketPlugin, { name: 'fastify-picket', fastify: '5.x' })
