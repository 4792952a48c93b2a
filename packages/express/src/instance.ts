import type { Request } from 'express'
import type { GateOutcome, PicketEngine } from 'picket-core/server'
import type { ResolvedPicketOptions } from './options.js'

/** One `picket()` middleware: its options and engine, found on each request it has seen. */
export interface PicketInstance {
  readonly options: ResolvedPicketOptions
  readonly engine: PicketEngine<Request>
}

const INSTANCE = Symbol('express-picket')
const IDENTIFIED = Symbol('express-picket identified')

interface Identified {
  readonly instance: PicketInstance
  readonly outcome: GateOutcome
}

/**
 * What `picket()` found the request's token to be (read, verified, not revoked by *its* rules),
 * for the route gates of that same instance only: a second `picket()` with other options (another
 * key set, other sites, a revocation list) must never trust the first one's answer.
 */
export function setIdentified(request: Request, instance: PicketInstance, outcome: GateOutcome): void {
  ;(request as unknown as Record<symbol, Identified>)[IDENTIFIED] = { instance, outcome }
}

/** The identification `instance` itself made for this request, if any. */
export function identifiedBy(request: Request, instance: PicketInstance): GateOutcome | undefined {
  const identified = (request as unknown as Record<symbol, Identified | undefined>)[IDENTIFIED]
  return identified?.instance === instance ? identified.outcome : undefined
}

/** Makes `instance` the request's `picket()`, forgetting what an earlier instance identified. */
export function attachInstance(request: Request, instance: PicketInstance): void {
  const fields = request as unknown as Record<symbol, unknown>
  fields[INSTANCE] = instance
  if (fields[IDENTIFIED] !== undefined) fields[IDENTIFIED] = undefined
}

export function instanceOf(request: Request): PicketInstance | undefined {
  return (request as unknown as Record<symbol, PicketInstance | undefined>)[INSTANCE]
}
