import type { FastifyInstance } from 'fastify'

const ALLOWED_METHODS = 'GET, POST, OPTIONS'
const ALLOWED_HEADERS = 'Authorization, Content-Type'

/**
 * Permissive CORS for browser clients (reference §1.5): picket-js runs on any origin and sends
 * `Authorization` plus `Content-Type: application/json`, so every call is preflighted. Origin
 * `*` is safe here because nothing relies on cookies; the API key travels in a header.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
  })
  // A preflight answer for every path, not an endpoint: left out of the OpenAPI document.
  const preflight = { config: { picketAuthorityPublic: true }, schema: { hide: true } }
  app.options('/*', preflight, async (request, reply) => {
    const requested = request.headers['access-control-request-headers']
    reply
      .header('access-control-allow-methods', ALLOWED_METHODS)
      // Echo what the browser asks for (within reason) so SDK-added headers do not break preflights.
      .header(
        'access-control-allow-headers',
        typeof requested === 'string' && requested.length < 512 ? requested : ALLOWED_HEADERS,
      )
      .header('access-control-max-age', '600')
      .code(204)
      .send()
  })
}
