import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { PicketClient } from 'picket-core/client'
import { createPicketEngine } from 'picket-core/server'
import { markLogged, optionsError, refusals } from './errors.js'
import { attachInstance, type PicketInstance, setIdentified } from './instance.js'
import { type PicketOptions, resolvePicketOptions } from './options.js'
import { cookieSupportProblem, expressRequestAccess, takeCacheHit } from './request-access.js'
import { inspectRoutes } from './route-order.js'

/** `picket(options)`: application middleware, plus what an app needs of it outside requests. */
export interface PicketMiddleware extends RequestHandler {
  /** The Picket client (also `req.picket`). */
  readonly client: PicketClient
  /** Resolves once the key set's first fetch is done (local verification with a JWKS URL). */
  readonly ready: Promise<void>
  /**
   * Stops the key-set refresh timer (it does not keep the process alive either way) and removes
   * the cache's metrics from the `metrics.registry`, if any.
   */
  close(): void
}

/** The gate `picket()` runs on every request with a token: identify the wallet, refuse nothing. */
const IDENTIFY = { requirements: Object.freeze({}), optional: true, revalidate: false, incremental: false }

/**
 * Application middleware: checks the options strictly (the Fastify plugin's names, rules and
 * messages), creates the Picket client (`req.picket`), and when the request carries a token that
 * verifies (and meets the registration's `requirements`) sets `req.picketUser` and
 * `req.picketToken`. It never refuses a request: gate routes with `requireWallet()`.
 */
export function picket(options: PicketOptions): PicketMiddleware {
  const resolved = resolvePicketOptions(options)
  const { logger } = resolved
  const engine = createPicketEngine<Request>({
    options: resolved,
    refusals,
    access: expressRequestAccess,
    log: () => logger,
  })
  const instance: PicketInstance = { options: resolved, engine }
  const identify = engine.gate({ ...IDENTIFY, chain: resolved.chain })
  const keySet = engine.watchKeySet(logger, 'express-picket')
  if (!resolved.allowedDomains) {
    logger.warn(
      "express-picket: no allowedDomains, so tokens signed in on any site are accepted (a phishing site could relay its visitors' logins); set allowedDomains to the domains your pages sign in from",
    )
  }
  const { client, cookie } = resolved
  // Checked on the first request (Express has no startup hook; see assertGatedRoutes).
  let setupProblem: Error | undefined
  let checked = false

  function firstRequest(request: Request): Error | undefined {
    checked = true
    const { problems, subApps } = inspectRoutes(request.app)
    if (subApps > 0) {
      logger.warn(
        `express-picket: ${subApps} app(s) are mounted with app.use(subApp); Express hides their routes from the route-order check: call assertGatedRoutes(subApp) for each before listen`,
      )
    }
    if (problems.length > 0) {
      return optionsError(
        'routes',
        `${problems.length} route(s) would run ungated, so every request is refused until they are fixed:\n  ${problems.join('\n  ')}`,
      )
    }
    if (cookie) {
      const problem = cookieSupportProblem(request, cookie.signed === true)
      if (problem) return optionsError('cookie', problem)
    }
    return undefined
  }

  const middleware = function picketMiddleware(
    request: Request,
    _response: Response,
    next: NextFunction,
  ): void {
    if (!checked) {
      setupProblem = firstRequest(request)
      if (setupProblem) {
        logger.error(setupProblem.message)
        markLogged(setupProblem)
      }
    }
    if (setupProblem) {
      next(setupProblem)
      return
    }
    attachInstance(request, instance)
    request.picket = client
    request.picketUser = null
    request.picketToken = null
    request.picketGate = null
    if (takeCacheHit(request, identify)) {
      next()
      return
    }
    identify.check(request).then(
      (outcome) => {
        if (outcome) {
          setIdentified(request, instance, outcome)
          request.picketToken = outcome.token
          request.picketUser = outcome.claims
        }
        next()
      },
      // A token that does not verify leaves the request anonymous: ungated routes are untouched,
      // and a gated route refuses it with its own answer.
      () => next(),
    )
  } as PicketMiddleware
  Object.defineProperties(middleware, {
    client: { value: client, enumerable: true },
    ready: { value: keySet.ready, enumerable: true },
    close: {
      value: () => {
        keySet.stop()
        engine.close()
      },
      enumerable: true,
    },
  })
  return middleware
}
