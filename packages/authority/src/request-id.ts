import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'

/** The header a request id arrives in (from a proxy or a caller) and is echoed in. */
export const REQUEST_ID_HEADER = 'x-request-id'

/** Short and plain: it lands in every log line and in a response header, so nothing else passes. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/**
 * Fastify's `genReqId`: the incoming `x-request-id` when it is a short safe token (so one id
 * follows a request from the proxy through the authority's logs), else a fresh UUID. An id with
 * spaces, quotes, control characters or over 128 characters is replaced, never logged.
 */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** Echoes each request's id in the `x-request-id` response header. */
export function echoRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
}
