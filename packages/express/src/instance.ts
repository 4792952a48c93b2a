import type { Request } from 'express'
import type { PicketEngine } from 'picket-core/server'
import type { ResolvedPicketOptions } from './options.js'

/** One `picket()` middleware: its options and engine, found on each request it has seen. */
export interface PicketInstance {
  readonly options: ResolvedPicketOptions
  readonly engine: PicketEngine<Request>
}

const INSTANCE = Symbol('express-picket')

export function attachInstance(request: Request, instance: PicketInstance): void {
  ;(request as unknown as Record<symbol, PicketInstance>)[INSTANCE] = instance
}

export function instanceOf(request: Request): PicketInstance | undefined {
  return (request as unknown as Record<symbol, PicketInstance | undefined>)[INSTANCE]
}
