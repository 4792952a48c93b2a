import type { AccessTokenPayload, GateEvaluation } from 'picket-core'
import type { PicketClient } from 'picket-core/client'
import type { GateHook } from './gate.js'
import type { PicketRouteConfig } from './route-config.js'

/** `fastify.picket`: the Picket client, plus `gate()` for manual use and @fastify/auth. */
export type PicketDecorator = PicketClient & {
  /** The route gate as a hook function; skips routes that declare `config.picket: false`. */
  gate(options?: PicketRouteConfig): GateHook
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** fastify-picket route gate: `true`, `{ requirements? | gate?, optional?, revalidate?, incremental?, chain? }` or `false`. */
    picket?: PicketRouteConfig
  }
  interface FastifyRequest {
    /** The Picket client (the same instance as `fastify.picket`). */
    picket: PicketDecorator
    /** Verified access-token claims, or `null` on anonymous requests to optional or ungated routes. */
    picketUser: AccessTokenPayload | null
    /** The raw access token (the new one after incremental authorization), or `null`. */
    picketToken: string | null
    /** How the route's `gate` was met (the evaluation tree), or `null` on routes without one. */
    picketGate: GateEvaluation | null
  }
  interface FastifyInstance {
    picket: PicketDecorator
  }
}
