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

/** What `picket()` found the request's token to be (read, verified, not revoked), for the route gates. */
export function setIdentified(request: Request, outcome: GateOutcome): void {
  ;(request as unknown as Record<symbol, GateOutcome>)[IDENTIFIED] = outcome
}

export function identifiedBy(request: Request): GateOutcome | undefined {
  return (request as unknown as Record<symbol, GateOutcome | undefined>)[IDENTIFIED]
}

export function attachInstance(request: Request, instance: PicketInstance): void {
  ;(request as unknown as Record<symbol, PicketInstance>)[INSTANCE] = instance
}

export function instanceOf(request: Request): PicketInstance | undefined {
  return (request as unknown as Record<symbol, PicketInstance | undefined>)[INSTANCE]
}
