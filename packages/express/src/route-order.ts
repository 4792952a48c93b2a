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

interface Findings {
  problems: string[]
  /** Apps mounted with `app.use(subApp)`: Express keeps them out of reach of this check. */
  subApps: number
}

function scan(stack: Layer[] | undefined, findings: Findings, seen: Set<Layer[]>): void {
  if (!Array.isArray(stack) || seen.has(stack)) return
  seen.add(stack)
  const { problems } = findings
  for (const layer of stack) {
    if (layer.handle?.name === 'mounted_app') findings.subApps++
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
    if (nested) scan(nested, findings, seen)
  }
}

/**
 * The ordering mistakes Express lets us see: a route whose `requireWallet()` comes after its
 * handler. Returns one line per mistake. (A gate before `picket()` is refused per request
 * instead; a plain middleware placed between a gate and the handler is not a mistake we can tell
 * from a handler, so it is not reported.)
 */
export function routeOrderProblems(app: Application): string[] {
  return inspectRoutes(app).problems
}

/** The ordering mistakes of `app`, and how many sub-apps it mounts (whose routes it cannot see). */
export function inspectRoutes(app: Application): Findings {
  const router = app as unknown as { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } }
  const findings: Findings = { problems: [], subApps: 0 }
  scan((router._router ?? router.router)?.stack, findings, new Set())
  return findings
}

/**
 * Throws when a route of the app runs its handler before its gate: call it once the last route is
 * declared (before `listen`) to find such a mistake at startup; `picket()` runs the same check on
 * its first request and refuses every request while one is found. Express hides the routes of an
 * app mounted with `app.use(subApp)`: call it for each such sub-app too.
 */
export function assertGatedRoutes(app: Application): void {
  const problems = routeOrderProblems(app)
  if (problems.length > 0) {
    throw new TypeError(
      `express-picket: ${problems.length} route(s) would run ungated:\n  ${problems.join('\n  ')}`,
    )
  }
}
