import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { type GateConfig, parseGateConfig, validateGateConfig } from 'picket-core'
import { type Gate, NEW_TOKEN_HEADER } from 'picket-core/server'
import { optionsError } from './errors.js'
import { identifiedBy, instanceOf, type PicketInstance } from './instance.js'
import { isRequest } from './options.js'
import { takeCacheHit } from './request-access.js'

/** Marks the handlers `requireWallet()` makes, for the route-order check (route-order.ts). */
export const GATE_HANDLER = Symbol('express-picket gate')

/** Refuses with 500 (and the fix) a gate that meets a request `picket()` has not seen. */
function notMounted(): Error {
  return optionsError(
    'requireWallet()',
    'no picket() middleware ran before this gate: mount app.use(picket(options)) before the routes it gates; the request is refused',
  )
}

/**
 * Route middleware: lets a request on only when its token meets the gate. Takes the same object
 * as the Fastify plugin's `config.picket`: `true` (any signed-in wallet) or `{ requirements?,
 * optional?, revalidate?, incremental?, chain? }`. The gate is checked here, when the route is
 * written, strictly (an unknown key, a misspelt field: a `PicketOptionsError` naming the fix), and
 * bound to the `picket()` options (their default chain) at its first request. Refusals go to
 * `next(err)` with `status`, `code` and `headers`; a token minted by incremental authorization or
 * revalidation comes back in the `picket-access-token` header.
 */
export function requireWallet(config: GateConfig = true): RequestHandler {
  if (isRequest(config)) {
    throw optionsError(
      'requireWallet',
      'is a factory: write requireWallet() or requireWallet({ requirements }) in the route, with parentheses',
    )
  }
  if (config === false) {
    throw optionsError('requireWallet(false)', 'gates nothing: leave the middleware out instead')
  }
  validateGateConfig(config, 'requireWallet()', optionsError)
  const gates = new WeakMap<PicketInstance, Gate<Request>>()

  function gateFor(instance: PicketInstance): Gate<Request> {
    let gate = gates.get(instance)
    if (gate === undefined) {
      const resolved = parseGateConfig(
        config,
        'requireWallet()',
        optionsError,
        instance.options.chain,
        instance.options.chainAliases,
      )
      gate = instance.engine.gate(resolved as Exclude<typeof resolved, false>)
      gates.set(instance, gate)
    }
    return gate
  }

  const handler = function picketGate(request: Request, response: Response, next: NextFunction): void {
    const instance = instanceOf(request)
    if (instance === undefined) {
      next(notMounted())
      return
    }
    let gate: Gate<Request>
    try {
      gate = gateFor(instance)
    } catch (error) {
      next(error)
      return
    }
    if (takeCacheHit(request, gate)) {
      next()
      return
    }
    // picket() has read, verified and revocation-checked this request's token already.
    gate.check(request, identifiedBy(request, instance)).then((outcome) => {
      if (outcome) {
        if (outcome.minted) response.setHeader(NEW_TOKEN_HEADER, outcome.token)
        request.picketToken = outcome.token
        request.picketUser = outcome.claims
        request.picketGate = outcome.gate ?? null
      }
      next()
    }, next)
  }
  Object.defineProperty(handler, GATE_HANDLER, { value: true })
  return handler
}
