import type { Application } from 'express'
import { GATE_HANDLER } from './require-wallet.js'

/** What this check reads of Express's router: the same in Express 4 (`app._router`) and 5 (`app.router`). */
interface Layer {
  name?: string
  handle?: ((...args: unknown[]) => unknown) & { stack?: Layer[] }
  route?: { path?: unknown; methods?: Record<string, boolean>; stack?: Layer[] }
}

const isGate = (layer: Layer) =>
  typeof layer.handle === 'function' &&
  (layer.handle as unknown as Record<symbol, unknown>)[GATE_HANDLER] === true

function describeRoute(route: NonNullable<Layer['route']>): string {
  const methods = Object.keys(route.methods ?? {})
    .filter((method) => route.methods![method])
    .map((method) => method.toUpperCase())
  return `${methods.join(',') || 'ALL'} ${String(route.path)}`
}

function scan(stack: Layer[] | undefined, problems: string[], seen: Set<Layer[]>): void {
  if (!Array.isArray(stack) || seen.has(stack)) return
  seen.add(stack)
  for (const layer of stack) {
    if (layer.route) {
      const layers = layer.route.stack ?? []
      // A gate with nothing after it runs only if the handler before it calls next(): the
      // handler has already answered, ungated.
      if (layers.length > 1 && isGate(layers.at(-1)!)) {
        problems.push(
          `${describeRoute(layer.route)}: requireWallet() comes after the route's handler, which runs ungated; put it first: app.get(path, requireWallet(…), handler)`,
        )
      }
      continue
    }
    const nested = layer.handle?.stack
    if (nested) scan(nested, problems, seen)
  }
}

/**
 * The ordering mistakes Express lets us see: a route whose `requireWallet()` comes after its
 * handler. Returns one line per mistake. (A gate before `picket()` is refused per request
 * instead; a plain middleware placed between a gate and the handler is not a mistake we can tell
 * from a handler, so it is not reported.)
 */
export function routeOrderProblems(app: Application): string[] {
  const router = app as unknown as { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } }
  const stack = (router._router ?? router.router)?.stack
  const problems: string[] = []
  scan(stack, problems, new Set())
  return problems
}

/**
 * Throws when a route of the app runs its handler before its gate: call it once the routes are
 * declared (before `listen`) to find such a mistake at startup; `picket()` runs the same check on
 * its first request and refuses every request while one is found.
 */
export function assertGatedRoutes(app: Application): void {
  const problems = routeOrderProblems(app)
  if (problems.length > 0) {
    throw new TypeError(
      `express-picket: ${problems.length} route(s) would run ungated:\n  ${problems.join('\n  ')}`,
    )
  }
}
