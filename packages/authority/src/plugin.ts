import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { AuthorityConfigError } from './config.js'
import { registerCors } from './cors.js'
import { errorReplyFor } from './error-reply.js'
import { flattenAnswerForGo, isPicketGo } from './go-compat.js'
import { registerOAuthRoutes } from './oauth/index.js'
import { registerOpenApi } from './openapi/document.js'
import { registerRateLimits } from './rate-limits.js'
import { authenticateRequest } from './request-context.js'
import { registerAuthRoute } from './routes/auth.js'
import { registerAuthzRoute } from './routes/authz.js'
import { registerChainRoutes } from './routes/chains.js'
import { registerNonceRoute } from './routes/nonce.js'
import { registerOperations } from './routes/operations.js'
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
  if (options.issuer === undefined) {
    // Mounted in someone's app, the authority cannot know its public URL; taking it from each
    // request's Host header would let any client choose the issuer and the jwks_uri that
    // publicly cached discovery documents point to.
    throw new AuthorityConfigError(
      'issuer',
      'is required when the authority is mounted in your app: the public URL of its prefix, e.g. "https://api.example.com/api/v1" (minted tokens name it as iss)',
    )
  }
  return async function picketAuthority(app) {
    const runtime = await createAuthorityRuntime({
      ...options,
      warn: options.warn ?? ((message) => app.log.warn(message)),
    })
    app.addHook('onClose', async () => runtime.close())
    app.log.info(runtime.signatureBackend.logLine)
    await registerAuthority(app, runtime)
  }
}

/** Plugin over an already-created runtime (used by `startAuthority`, which needs its parts). */
export function authorityPluginFor(runtime: AuthorityRuntime): FastifyPluginAsync {
  return async function picketAuthority(app) {
    await registerAuthority(app, runtime)
  }
}

async function registerAuthority(app: FastifyInstance, runtime: AuthorityRuntime): Promise<void> {
  // Route schemas document the API (GET /openapi.json) and nothing else. request-normalization.ts
  // is the validator: it reads bodies as tolerantly as the SDKs need (§9: "" / null as absent,
  // snake_case aliases, numbers as strings), which Ajv (coercion, its own 400 wording) would
  // change; and answers are JSON.stringify'd as they are (Go's flattened balances come from
  // preSerialization), which fast-json-stringify would drop or coerce. Encapsulated: the host
  // application's compilers are untouched.
  app.setValidatorCompiler(() => () => true)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  await registerOpenApi(app, runtime)
  if (runtime.cors) registerCors(app)
  await registerRateLimits(app, runtime.config.rateLimit, runtime.rateLimitRedis)

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
    const { statusCode, body, headers } = errorReplyFor(error, runtime.bodyLimit)
    if (headers) reply.headers(headers)
    if (statusCode >= 500) request.log.error({ err: error }, 'Picket authority request failed')
    else request.log.info({ code: body.code }, body.msg)
    return reply.code(statusCode).send(body)
  })

  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .send({ msg: `Route ${request.method} ${request.url} not found`, code: 'resource_not_found' })
  })

  // First: its hooks time every route and count the logins of /auth and /oauth2/authorize.
  registerOperations(app, runtime)
  registerNonceRoute(app, runtime)
  registerAuthRoute(app, runtime)
  registerAuthzRoute(app, runtime)
  registerValidateRoute(app, runtime)
  registerChainRoutes(app, runtime)
  registerTokenOwnershipRoute(app, runtime)
  registerWellKnownRoutes(app, runtime)
  await registerOAuthRoutes(app, runtime)
}
