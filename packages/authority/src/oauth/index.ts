import type { FastifyInstance } from 'fastify'
import type { AuthorityRuntime } from '../runtime.js'
import { registerAuthorizeRoute, sendUntrusted } from './authorize.js'
import { oauthErrorBody, toOAuthError } from './errors.js'
import { registerRevokeRoute } from './revoke.js'
import { registerSigningMessageRoute } from './signing-message.js'
import { registerTokenRoute } from './token.js'
import { parseFormBody } from './token-request.js'
import { registerUserinfoRoute } from './userinfo.js'

/**
 * The OAuth 2.0 / OpenID Connect endpoints, in their own encapsulated context: form-encoded
 * bodies are parsed here only (the Picket endpoints stay JSON), and errors are answered as the
 * OAuth specs define them (`error`, `error_description`, plus Picket's `code`, `msg`).
 */
export async function registerOAuthRoutes(app: FastifyInstance, runtime: AuthorityRuntime): Promise<void> {
  await app.register(async (oauth) => {
    oauth.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: runtime.bodyLimit },
      (_request, text, done) => done(null, parseFormBody(text as string)),
    )
    oauth.setErrorHandler(async (thrown, request, reply) => {
      const error = toOAuthError(thrown, runtime.bodyLimit)
      if (request.routeOptions.url?.endsWith('/oauth2/authorize')) return sendUntrusted(request, reply, error)
      if (error.error === 'server_error') request.log.error({ err: thrown }, 'OAuth request failed')
      else request.log.info({ error: error.error }, error.message)
      if (error.challenge) reply.header('www-authenticate', error.challenge)
      if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter))
      return reply.code(error.statusCode).header('cache-control', 'no-store').send(oauthErrorBody(error))
    })
    registerAuthorizeRoute(oauth, runtime)
    registerSigningMessageRoute(oauth, runtime)
    registerTokenRoute(oauth, runtime)
    registerUserinfoRoute(oauth, runtime)
    registerRevokeRoute(oauth, runtime)
  })
}
