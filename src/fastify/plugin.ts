import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { createLocalVerifier } from '../core/local-verifier.js'
import { createRemoteVerifier } from '../core/remote-verifier.js'
import type { TokenVerifier } from '../core/token-verifier.js'
import { VerifiedTokenCache } from '../core/verified-token-cache.js'
import { createAuthorizer } from './authorizer.js'
import type { PicketDecorator } from './declarations.js'
import { createGateHook, type GateContext, type GateHook } from './gate.js'
import { registerHelperRoutes } from './helper-routes.js'
import { type PicketPluginOptions, resolveOptions } from './options.js'
import { type PicketRouteConfig, resolveGate } from './route-config.js'

function createVerifier(options: ReturnType<typeof resolveOptions>): TokenVerifier {
  if (options.verify) return createLocalVerifier(options.verify)
  return createRemoteVerifier(
    options.client,
    options.audience === undefined ? {} : { audience: options.audience },
  )
}

/** Puts our gate first in the route's hook list, so the user's own hooks see `picketUser`. */
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

async function picketPlugin(fastify: FastifyInstance, rawOptions: PicketPluginOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  const verifier = createVerifier(options)
  const cache = options.cache === false ? undefined : new VerifiedTokenCache(options.cache)
  const verify = cache
    ? (token: string) => cache.get(token, (t) => verifier.verify(t))
    : (token: string) => verifier.verify(token)
  const context: GateContext = {
    options,
    verify,
    ...(cache ? { peek: (token: string) => cache.peek(token) } : {}),
    authorizer: createAuthorizer({
      client: options.client,
      verifyIssuedToken: verify,
      cache: options.revalidateCache,
      realm: options.realm,
    }),
  }

  const decorator = options.client as PicketDecorator
  Object.defineProperty(decorator, 'gate', {
    configurable: true,
    enumerable: false,
    value(config: PicketRouteConfig = true): GateHook {
      const gate = resolveGate(config, 'gate()')
      if (!gate) throw new TypeError('fastify-picket: gate(false) gates nothing')
      const hook = createGateHook(context, gate)
      // A scope-wide gate steps aside for routes that opt out with `config.picket: false`.
      return function picketScopeGate(request, reply, done) {
        if (request.routeOptions.config.picket === false) return done()
        hook(request, reply, done)
      }
    },
  })

  fastify.decorate('picket', decorator)
  fastify.decorateRequest('picket', {
    getter: () => decorator,
  })
  fastify.decorateRequest('picketUser', null)
  fastify.decorateRequest('picketToken', null)

  // Routes declare their gate in `config.picket`; read it when the route is added, as
  // @fastify/rate-limit does. This sees routes of this scope and of child scopes registered
  // after this plugin, which is why the plugin must be registered (awaited) before routes.
  fastify.addHook('onRoute', (route) => {
    const config = route.config?.picket
    if (config === undefined || config === false) return
    const gate = resolveGate(config, `config.picket of ${route.method} ${route.url}`)
    if (gate) prependHook(route, options.hook, createGateHook(context, gate))
  })

  if (options.cookie) {
    fastify.addHook('onReady', async () => {
      if (!fastify.hasRequestDecorator('cookies')) {
        throw new TypeError(
          'fastify-picket: the `cookie` option needs @fastify/cookie registered before the plugin',
        )
      }
    })
  }

  registerHelperRoutes(fastify, options)
}

/**
 * fastify-picket: wallet login and token gating for Fastify, speaking the Picket API v1 wire
 * format. Register it (awaited) before the routes it gates.
 */
export const fastifyPicket = fp(picketPlugin, { name: 'fastify-picket', fastify: '5.x' })
