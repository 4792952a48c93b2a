import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { JWK } from 'jose'
import type { ProjectConfig } from './config.js'
import { errorReplyFor } from './error-reply.js'
import { authorityPluginFor } from './plugin.js'
import { echoRequestIds, REQUEST_ID_HEADER, requestIdFor } from './request-id.js'
import { type AuthorityOptions, createAuthorityRuntime, DEFAULT_BODY_LIMIT } from './runtime.js'
import type { SigningKeyStatus } from './tokens/key-set.js'

export const API_PREFIX = '/api/v1'

export interface StartAuthorityOptions extends AuthorityOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Fastify logger option; default off. */
  logger?: boolean | Record<string, unknown>
}

export interface RunningAuthority {
  /** Base URL of the API, e.g. `http://127.0.0.1:8787/api/v1` (no trailing slash). */
  url: string
  /** `iss` of the tokens it mints (the configured issuer, else `url`). */
  issuer: string
  /** The public signing key set, as served at `${url}/.well-known/jwks.json`. */
  readonly jwks: { keys: JWK[] }
  /**
   * Re-reads the signing keys without a restart (key rotation): `signingKeys` when given, else
   * `signingKeyFile`. Invalid keys are refused and the keys in use stay. Answers the new kids.
   */
  reloadKeys(signingKeys?: unknown): Promise<Array<{ kid: string; status: SigningKeyStatus }>>
  /** The validated projects, with defaults filled in. */
  projects: readonly ProjectConfig[]
  /** Which secp256k1 recovery verifies EOA logins, e.g. "EOA signatures: native libsecp256k1 (…)". */
  signatureBackend: string
  /** The underlying Fastify instance (e.g. for `inject`). */
  app: FastifyInstance
  close(): Promise<void>
}

/**
 * Starts a standalone authority: a Fastify server with the API under `/api/v1`. Unknown paths
 * outside the prefix also answer JSON, and trailing or doubled slashes are matched rather than
 * redirected (old picket-go cannot resend a chunked POST body after a redirect, §1.5).
 */
export async function startAuthority(options: StartAuthorityOptions): Promise<RunningAuthority> {
  const { port = 8787, host = '127.0.0.1', logger = false, ...authorityOptions } = options
  const app = Fastify({
    logger,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Every log line of a request carries its id (`reqId`): a safe incoming x-request-id, else a
    // UUID (genReqId checks the header; Fastify's requestIdHeader would take any value as is).
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Errors Fastify raises before routing (a malformed URL, an over-long parameter) answer in
    // the API's own `{msg, code}` shape too (§1.6: every SDK parses the body as JSON).
    frameworkErrors: (error, request, reply) => {
      const { statusCode, body } = errorReplyFor(error, DEFAULT_BODY_LIMIT)
      ;(reply as FastifyReply).header(REQUEST_ID_HEADER, request.id).code(statusCode).send(body)
    },
  })
  const runtime = await createAuthorityRuntime({
    ...authorityOptions,
    warn: authorityOptions.warn ?? ((message) => process.emitWarning(message, 'PicketAuthorityWarning')),
  })
  app.addHook('onClose', async () => runtime.close())
  app.log.info(runtime.signatureBackend.logLine)
  echoRequestIds(app)
  try {
    await app.register(authorityPluginFor(runtime), { prefix: API_PREFIX })
    // Outside the prefix: still JSON (§1.6), e.g. for clients pointed at a base URL without /api/v1.
    app.setNotFoundHandler(async (request, reply) =>
      reply.code(404).send({
        msg: `Route ${request.method} ${request.url} not found; the API is served under ${API_PREFIX}`,
        code: 'resource_not_found',
      }),
    )
    app.setErrorHandler(async (error, _request, reply) => {
      const { statusCode, body, headers } = errorReplyFor(error, runtime.bodyLimit)
      if (headers) reply.headers(headers)
      return reply.code(statusCode).send(body)
    })
    await app.listen({ port, host })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  const boundPort = typeof address === 'object' && address ? address.port : port
  const urlHost = host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${boundPort}${API_PREFIX}`
  runtime.issuer ??= url
  return {
    url,
    issuer: runtime.issuer,
    get jwks() {
      return { keys: [...runtime.keySet.jwks.keys] }
    },
    reloadKeys: (signingKeys?: unknown) => runtime.reloadKeys(signingKeys),
    projects: runtime.config.projects,
    signatureBackend: runtime.signatureBackend.logLine,
    app,
    close: () => app.close(),
  }
}
