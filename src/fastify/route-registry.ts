import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify'
import { PicketUngatedRouteError } from './errors.js'

/**
 * No route that asks for a gate runs without its gate.
 *
 * The plugin gates routes in `onRoute`, which only sees routes declared after it is registered
 * in their scope or a parent scope. Ordinary mistakes leave a route with `config.picket` and no
 * gate, or with the wrong one: `app.register(picket)` without `await` before the routes, a
 * route declared before the plugin, a route in a sibling scope that never registered it, a
 * route declared in a child scope before the child's own registration (gated by the parent's,
 * i.e. another project), an `onRoute` hook added later that rewrites `config.picket` or the
 * route's hooks.
 *
 * Fastify publishes every new root instance on the `fastify.initialization` diagnostics
 * channel before user code touches it (the documented way for instrumentation to add hooks).
 * Importing this module subscribes: each new app gets a root `onRoute` hook that records every
 * route, in any scope, and a root `onReady` hook that looks at each route as it finally is and
 * fails startup naming each one whose `config.picket` is not enforced by the nearest
 * registration, as declared. Nothing runs per request.
 *
 * An app created before this module was imported (e.g. a plugin file loaded later by
 * @fastify/autoload) has no registry; the plugin then adds a request-time guard to its own
 * scope instead (see `createFallbackGuard`).
 */

/** Shared by every copy of the package loaded in the process, so there is one registry per app. */
const REGISTRY = Symbol.for('fastify-picket.route-registry.v1')
/** The registration that owns a scope (inherited by the scopes created inside it). */
export const REGISTRATION = Symbol.for('fastify-picket.registration')
/** Put on a route's config by the registration that gated it (copied into Fastify's context). */
export const GATE_MARK = Symbol.for('fastify-picket.gate-mark')

/** What a registration attached to a route, to be checked against the route as it ends up. */
export interface GateMark {
  readonly registration: object
  readonly hook: unknown
  readonly hookName: 'onRequest' | 'preValidation' | 'preHandler'
  /** The `config.picket` value the gate was built from. */
  readonly picket: unknown
}

interface DeclaredRoute {
  /** The instance the route was declared on (its encapsulation scope). */
  readonly scope: FastifyInstance
  readonly route: RouteOptions
  /** Its position among the app's routes, in declaration order. */
  readonly index: number
}

export interface Registration {
  /** The scope fastify-picket was registered in. */
  readonly scope: FastifyInstance
  /** How many routes had been declared then: it saw those from this index on. */
  readonly seenFrom: number
}

export interface RouteRegistry {
  readonly declared: DeclaredRoute[]
  readonly registrations: Registration[]
}

/** A route's `config.picket` asks for a gate: anything but absent or `false`. */
export function asksForGate(route: Pick<RouteOptions, 'config'>): boolean {
  const config = (route.config as { picket?: unknown } | undefined)?.picket
  return config !== undefined && config !== false
}

function methodOf(method: unknown): string {
  return Array.isArray(method) ? method.join(',') : String(method)
}

function ownerOf(scope: object): unknown {
  return (scope as Record<symbol, unknown>)[REGISTRATION]
}

function markOf(config: unknown): GateMark | undefined {
  return (config as Record<symbol, GateMark | undefined> | undefined)?.[GATE_MARK]
}

/** The registry of the app `instance` belongs to (inherited by every scope), if it has one. */
export function registryOf(instance: FastifyInstance): RouteRegistry | undefined {
  return (instance as unknown as Record<symbol, RouteRegistry | undefined>)[REGISTRY]
}

function instrument(app: FastifyInstance): void {
  if (registryOf(app)) return
  const registry: RouteRegistry = { declared: [], registrations: [] }
  Object.defineProperty(app, REGISTRY, { value: registry, enumerable: false })
  app.addHook('onRoute', function recordRoute(route) {
    // Every route: a later onRoute hook may still add or change config.picket.
    registry.declared.push({ scope: this, route, index: registry.declared.length })
  })
  app.addHook('onReady', async function refuseUngatedRoutes() {
    const problems: string[] = []
    const routes: string[] = []
    for (const entry of registry.declared) {
      const problem = problemOf(entry, registry.registrations)
      if (problem === undefined) continue
      const name = `${methodOf(entry.route.method)} ${entry.route.url}`
      routes.push(name)
      problems.push(`  ${name}: ${problem}`)
    }
    registry.declared.length = 0
    if (problems.length > 0) throw ungatedRoutesError(routes, problems)
  })
}

subscribe('fastify.initialization', (message) => {
  const app = (message as { fastify?: FastifyInstance }).fastify
  if (app) instrument(app)
})

const FIX =
  "Fix: register the plugin with `await app.register(picket, options)` before declaring gated routes, in the route's scope or a parent scope."

/** Why a route's `config.picket` is not enforced as declared, or `undefined` when it is. */
function problemOf(entry: DeclaredRoute, registrations: readonly Registration[]): string | undefined {
  const { route, scope } = entry
  if (!asksForGate(route)) return undefined
  const mark = markOf(route.config)
  if (!mark) {
    if (registrations.length === 0) return 'fastify-picket is not registered in this app'
    const inScope = registrations.filter(
      (r) => r.scope === scope || Object.prototype.isPrototypeOf.call(r.scope, scope),
    )
    if (inScope.length === 0)
      return "fastify-picket is registered in another scope, not in this route's scope or a parent of it"
    return inScope.some((r) => entry.index >= r.seenFrom)
      ? 'its config.picket was set after fastify-picket read the route (by an onRoute hook added after the plugin?)'
      : 'it was declared before fastify-picket was registered in its scope (was `app.register(picket, …)` awaited?)'
  }
  if (ownerOf(scope) !== mark.registration) {
    return "it is gated by an outer fastify-picket registration, because it was declared before its own scope's registration (was that register call awaited?)"
  }
  if ((route.config as { picket?: unknown }).picket !== mark.picket) {
    return 'its config.picket was changed after fastify-picket read it (by an onRoute hook added after the plugin?)'
  }
  const hooks = route[mark.hookName] as unknown
  if (!(Array.isArray(hooks) ? hooks : [hooks]).includes(mark.hook)) {
    return `its gate was removed from route.${mark.hookName} (by an onRoute hook added after the plugin?)`
  }
  return undefined
}

function ungatedRoutesError(routes: string[], problems: string[]): Error {
  const one = routes.length === 1
  const error = new PicketUngatedRouteError(
    `${one ? 'a route declares' : `${routes.length} routes declare`} config.picket but ${
      one ? 'its gate does' : 'their gates do'
    } not run as declared, so ${one ? 'it' : 'they'} could answer without the gate:\n${problems.join('\n')}\n${FIX}`,
  ) as unknown as Error & { routes: string[] }
  error.routes = routes
  return error
}

/**
 * For an app the registry could not instrument: a hook on the plugin's scope that refuses
 * (500, with a log line naming the route and the fix) any request to a route of that scope
 * whose `config.picket` asks for a gate this scope's registration did not attach (declared
 * before the plugin, or before a nested registration). Sibling scopes are out of its reach,
 * which is why the startup check is the main line.
 */
export function createFallbackGuard(): onRequestHookHandler {
  return function picketUngatedRouteGuard(request, _reply, done) {
    const config = request.routeOptions.config as { picket?: unknown; method?: unknown; url?: unknown }
    if (config.picket === undefined || config.picket === false) return done()
    const mark = markOf(config)
    if (mark && mark.registration === ownerOf(request.server) && mark.picket === config.picket) return done()
    request.log.error(
      `fastify-picket: ${methodOf(config.method)} ${String(config.url)} declares config.picket but its gate does not run; refusing the request. ${FIX}`,
    )
    done(
      new PicketUngatedRouteError(
        'this route is not gated (a server configuration error; see the server log)',
      ),
    )
  }
}
