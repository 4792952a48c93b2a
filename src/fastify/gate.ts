import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccessTokenPayload, Requirements } from 'picket-core'
import { claimsSatisfy } from 'picket-core'
import { type Gate, NEW_TOKEN_HEADER } from 'picket-core/server'

export { NEW_TOKEN_HEADER }

/**
 * Picket's OR (any satisfied token category, or the wallet on `allowedWallets`, §6.2), decided
 * from the token's claims alone, as the plugin's gates and the authority decide it.
 */
export function satisfies(claims: AccessTokenPayload, requirements: Requirements): boolean {
  return claimsSatisfy(claims, requirements)
}

/**
 * A hook in Fastify's callback style (`done`), so that a cache hit is answered without a
 * promise or an await; works as `onRequest`/`preValidation`/`preHandler` and with @fastify/auth.
 */
export type GateHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void

/**
 * The route gate as a Fastify hook, over picket-core's shared gate. It hands the plugin's typed
 * errors to `done` (Fastify treats them exactly as thrown ones, so error handlers and
 * @fastify/auth compose) and never sends a reply.
 */
export function createGateHook(gate: Gate<FastifyRequest>): GateHook {
  const { provenHit } = gate
  return function picketGate(request, reply, done): void {
    if (provenHit) {
      const hit = provenHit(request.headers.authorization, request.raw.rawHeaders, request.raw.socket)
      if (hit !== undefined) {
        request.picketToken = hit.token
        request.picketUser = hit.claims
        request.picketGate = hit.gate ?? null
        done()
        return
      }
    }
    gate.check(request).then((outcome) => {
      if (outcome) {
        if (outcome.minted) reply.header(NEW_TOKEN_HEADER, outcome.token)
        request.picketToken = outcome.token
        request.picketUser = outcome.claims
        request.picketGate = outcome.gate ?? null
      }
      done()
    }, done)
  }
}
