import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify'
import { PicketUngatedRouteError } from './errors.js'

/**
 * No route that asks for a gate runs without one.
 *
 * The plugin gates routes in `onRoute`, which only sees routes declared after it is registered
 * in their scope or a parent scope. Three ordinary mistakes leave a route with `config.picket`
 * and no gate: `app.register(picket)` without `await` before the routes, a route declared
 * before the plugin, a route in a sibling scope that never registered it.
 *
 * Fastify publishes every new root instance on the `fastify.initialization` diagnostics
 * channel before user code touches it (the documented way for instrumentation to add hooks).
 * Importing this module subscribes: each new app gets a root `onRoute` hook that records every
 * route declaring `config.picket`, in any scope, and a root `onReady` hook that fails startup
 * naming each recorded route no fastify-picket registration gated. Nothing runs per request.
 *
 * An app created before this module was imported (e.g. a plugin file loaded later by
 * @fastify/autoload) has no registry; the plugin then adds a request-time guard to its own
 * scope instead (see `createFallbackGuard`).
 */

/** Shared by every copy of the package loaded in the process, so only one registry per app. */
const REGISTRY = Symbol.for('fastify-picket.route-registry.v1')

interface DeclaredRoute {
  readonly method: string
  readonly url: string
  /** The instance the route was declared on (its encapsulation scope). */
  readonly scope: FastifyInstance
  readonly route: RouteOptions
}

export interface RouteRegistry {
  readonly declared: DeclaredRoute[]
  /** Route option objects that a fastify-picket registration gated. */
  readonly gated: WeakSet<object>
  /** Scopes fastify-picket was registered in. */
  readonly registrations: FastifyInstance[]
}

/** A route's `config.picket` asks for a gate: anything but absent or `false`. */
export function asksForGate(route: Pick<RouteOptions, 'config'>): boolean {
  const config = (route.config as { picket?: unknown } | undefined)?.picket
  return config !== undefined && config !== false
}

function methodOf(route: RouteOptions): string {
  return Array.isArray(route.method) ? route.method.join(',') : String(route.method)
}

/** The registry of the app `instance` belongs to (inherited by every scope), if it has one. */
export function registryOf(instance: FastifyInstance): RouteRegistry | undefined {
  return (instance as unknown as Record<symbol, RouteRegistry | undefined>)[REGISTRY]
}

function instrument(app: FastifyInstance): void {
  if (registryOf(app)) return
  const registry: RouteRegistry = { declared: [], gated: new WeakSet(), registrations: [] }
  Object.defineProperty(app, REGISTRY, { value: registry, enumerable: false })
  app.addHook('onRoute', function recordGatedRoute(route) {
    if (!asksForGate(route)) return
    registry.declared.push({ method: methodOf(route), url: route.url ?? '', scope: this, route })
  })
  app.addHook('onReady', async function refuseUngatedRoutes() {
    const ungated = registry.declared.filter((entry) => !registry.gated.has(entry.route))
    registry.declared.length = 0
    if (ungated.length > 0) throw ungatedRoutesError(ungated, registry.registrations)
  })
}

subscribe('fastify.initialization', (message) => {
  const app = (message as { fastify?: FastifyInstance }).fastify
  if (app) instrument(app)
})

const FIX =
  "Fix: register the plugin with `await app.register(picket, options)` before declaring gated routes, in the route's scope or a parent scope."

function causeOf(entry: DeclaredRoute, registrations: readonly FastifyInstance[]): string {
  if (registrations.length === 0) return 'fastify-picket is not registered in this app'
  const inScope = registrations.some(
    (scope) => scope === entry.scope || Object.prototype.isPrototypeOf.call(scope, entry.scope),
  )
  return inScope
    ? 'it was declared before fastify-picket was registered in its scope (was `app.register(picket, …)` awaited?)'
    : "fastify-picket is registered in another scope, not in this route's scope or a parent of it"
}

function ungatedRoutesError(
  ungated: readonly DeclaredRoute[],
  registrations: readonly FastifyInstance[],
): Error {
  const lines = ungated.map((entry) => `  ${entry.method} ${entry.url}: ${causeOf(entry, registrations)}`)
  const error = new PicketUngatedRouteError(
    `${ungated.length === 1 ? 'a route declares' : `${ungated.length} routes declare`} config.picket but no gate runs on ${
      ungated.length === 1 ? 'it' : 'them'
    }, so ${ungated.length === 1 ? 'it' : 'they'} would answer without a token:\n${lines.join('\n')}\n${FIX}`,
  ) as unknown as Error & { routes: string[] }
  error.routes = ungated.map((entry) => `${entry.method} ${entry.url}`)
  return error
}

/** Marks a route as gated by a fastify-picket registration. */
export function markGated(
  registry: RouteRegistry | undefined,
  route: RouteOptions,
  fallback: Set<string>,
): void {
  if (registry) registry.gated.add(route)
  else fallback.add(`${methodOf(route)} ${route.url}`)
}

/**
 * For an app the registry could not instrument: a hook on the plugin's scope that refuses
 * (500, with a log line naming the route and the fix) any request to a route of that scope
 * whose `config.picket` asks for a gate that was never attached. It covers routes declared
 * before the plugin in its scope (and the un-awaited register); sibling scopes are out of its
 * reach, which is why the startup check is the main line.
 */
export function createFallbackGuard(gatedRoutes: ReadonlySet<string>): onRequestHookHandler {
  return function picketUngatedRouteGuard(request, _reply, done) {
    const config = request.routeOptions.config as { picket?: unknown; method?: unknown; url?: unknown }
    if (config.picket === undefined || config.picket === false) return done()
    const method = Array.isArray(config.method) ? config.method.join(',') : String(config.method)
    if (gatedRoutes.has(`${method} ${String(config.url)}`)) return done()
    request.log.error(
      `fastify-picket: ${method} ${String(config.url)} declares config.picket but no gate runs on it; refusing the request. ${FIX}`,
    )
    done(
      new PicketUngatedRouteError(
        'this route is not gated (a server configuration error; see the server log)',
      ),
    )
  }
}
