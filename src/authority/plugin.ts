import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { registerCors } from './cors.js'
import { errorReplyFor } from './error-reply.js'
import { flattenAnswerForGo, isPicketGo } from './go-compat.js'
import { authenticateRequest } from './request-context.js'
import { registerAuthRoute } from './routes/auth.js'
import { registerAuthzRoute } from './routes/authz.js'
import { registerChainRoutes } from './routes/chains.js'
import { registerNonceRoute } from './routes/nonce.js'
import { registerTokenOwnershipRoute } from './routes/token-ownership.js'
import { registerValidateRoute } from './routes/validate.js'
import { registerWellKnownRoutes } from './routes/well-known.js'
import { type AuthorityOptions, type AuthorityRuntime, createAuthorityRuntime } from './runtime.js'

/**
 * The Picket-compatible API v1 as a Fastify plugin. Mount it under a prefix:
 *
 * ```ts
 * await app.register(createAuthority({ projects: [...] }), { prefix: '/api/v1' })
 * ```
 *
 * It is deliberately *not* wrapped with fastify-plugin: its error handler, 404 handler, CORS
 * and API-key hooks apply to its own routes only, never to the host application's.
 */
export function createAuthority(options: AuthorityOptions): FastifyPluginAsync {
  return async function picketAuthority(app) {
    const runtime = await createAuthorityRuntime({
      ...options,
      warn: options.warn ?? ((message) => app.log.warn(message)),
    })
    app.addHook('onClose', async () => runtime.close())
    registerAuthority(app, runtime)
  }
}

/** Plugin over an already-created runtime (used by `startAuthority`, which needs its parts). */
export function authorityPluginFor(runtime: AuthorityRuntime): FastifyPluginAsync {
  return async function picketAuthority(app) {
    registerAuthority(app, runtime)
  }
}

function registerAuthority(app: FastifyInstance, runtime: AuthorityRuntime): void {
  if (runtime.cors) registerCors(app)

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config as { picketAuthorityPublic?: boolean } | undefined
    // 404s answer 404 whatever the key; preflights and the JWKS are public.
    if (request.is404 || request.method === 'OPTIONS' || config?.picketAuthorityPublic) return
    authenticateRequest(runtime, request)
  })

  app.addHook('preSerialization', async (request, reply, payload) => {
    if (reply.statusCode < 300 && isPicketGo(request.headers['user-agent']))
      return flattenAnswerForGo(payload)
    return payload
  })

  app.setErrorHandler(async (error, request, reply) => {
    const { statusCode, body } = errorReplyFor(error, runtime.bodyLimit)
    if (statusCode >= 500) request.log.error({ err: error }, 'Picket authority request failed')
    else request.log.info({ code: body.code }, body.msg)
    return reply.code(statusCode).send(body)
  })

  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .send({ msg: `Route ${request.method} ${request.url} not found`, code: 'resource_not_found' })
  })

  registerNonceRoute(app, runtime)
  registerAuthRoute(app, runtime)
  registerAuthzRoute(app, runtime)
  registerValidateRoute(app, runtime)
  registerChainRoutes(app, runtime)
  registerTokenOwnershipRoute(app, runtime)
  registerWellKnownRoutes(app, runtime)
}
