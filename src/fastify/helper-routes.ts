import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { rateLimitRefusal, walletKey } from 'picket-core'
import {
  type AuthzBody,
  createHelperActions,
  HELPER_BODY_LIMIT,
  HELPER_BODY_SCHEMAS,
  type HelperActions,
  type LoginBody,
  type NonceBody,
  type PicketEngine,
  type RateLimitWindow,
  type ResolvedRateLimit,
  readRequestToken,
  sessionCookieAttributes,
} from 'picket-core/server'
import { refusals } from './errors.js'
import type { ResolvedOptions } from './options.js'
import { fastifyRequestAccess } from './token-access.js'

export { HELPER_BODY_LIMIT }

const balances = { type: 'object', additionalProperties: { type: 'string' } } as const
const user = {
  type: 'object',
  required: ['chain', 'walletAddress', 'displayAddress', 'tokenBalances'],
  properties: {
    chain: { type: 'string' },
    walletAddress: { type: 'string' },
    displayAddress: { type: 'string' },
    tokenBalances: {
      type: 'object',
      properties: {
        contractAddress: balances,
        collection: balances,
        tokenIds: balances,
        creatorAddress: balances,
      },
    },
  },
} as const
const authAnswer = {
  200: {
    type: 'object',
    required: ['accessToken', 'user'],
    properties: { accessToken: { type: 'string' }, user },
  },
} as const
const errorAnswer = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const

/**
 * OpenAPI `tags` and `summary` for @fastify/swagger. Typed as `{}` because they are not part
 * of Fastify's own schema type (swagger augments it only when installed).
 */
function describe(summary: string): {} {
  return { tags: ['picket'], summary }
}

type Routes = Exclude<ResolvedOptions['routes'], false>

/** Refuses a body over the limit before it is read, naming the limit (Fastify's own 413 does not). */
const refuseLargeBody: onRequestHookHandler = (request, _reply, done) => {
  const length = Number(request.headers['content-length'])
  if (length > HELPER_BODY_LIMIT) {
    return done(
      refusals.payloadTooLarge(`the request body is larger than the limit of ${HELPER_BODY_LIMIT} bytes`),
    )
  }
  done()
}

/**
 * Per-IP (before the body is read) and per-wallet (after) limits of one route. Built on
 * `createRateLimit`: @fastify/rate-limit's ready-made hooks let only the first of them run on a
 * request, and a request here meets two.
 */
function limitsFor(
  helpers: FastifyInstance,
  route: string,
  limits: ResolvedRateLimit | false,
  perWallet: boolean,
) {
  if (!limits) return {}
  const make = (window: RateLimitWindow, key: (request: FastifyRequest) => string) => {
    const check = helpers.createRateLimit({
      max: window.max,
      timeWindow: window.timeWindow,
      keyGenerator: key,
    })
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const refusal = rateLimitRefusal(await check(request))
      if (refusal === undefined) return
      reply.header('retry-after', String(refusal.retryAfter))
      throw refusals.tooManyRequests(refusal.message)
    }
  }
  return {
    ...(limits.perIp ? { onRequest: [make(limits.perIp, (r) => `picket:${route}:ip:${r.ip}`)] } : {}),
    ...(perWallet && limits.perWallet
      ? {
          preHandler: [
            make(
              limits.perWallet,
              (r) =>
                `picket:${route}:wallet:${walletKey((r.body as { walletAddress?: unknown })?.walletAddress)}`,
            ),
          ],
        }
      : {}),
  }
}

/** Appends our hooks to those a user gave in `routeOptions` (theirs run first), in order. */
function withHooks(
  shared: Record<string, unknown>,
  ...extras: Record<string, unknown[]>[]
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...shared }
  for (const extra of extras) {
    for (const [name, hooks] of Object.entries(extra)) {
      const existing = merged[name]
      merged[name] = [
        ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
        ...hooks,
      ]
    }
  }
  return merged
}

/**
 * `/auth/nonce`, `/auth/login`, `/auth/authz`, `/auth/me`, `/auth/logout` under `routes.prefix`,
 * in a scope of their own (for their rate limits); gated ones use this registration's gate.
 */
export function registerHelperRoutes(
  fastify: FastifyInstance,
  options: ResolvedOptions,
  engine: PicketEngine<FastifyRequest>,
): void {
  const routes = options.routes
  if (!routes) return
  const actions = createHelperActions(engine, routes)
  fastify.register(async (helpers) => {
    if (routes.rateLimit && !helpers.hasDecorator('rateLimit')) {
      await helpers.register(rateLimit, {
        global: false,
        ...(routes.rateLimit.redis ? { redis: routes.rateLimit.redis, nameSpace: 'picket-rate-limit:' } : {}),
      })
    }
    defineHelperRoutes(helpers, options, routes, actions)
  })
}

function defineHelperRoutes(
  helpers: FastifyInstance,
  options: ResolvedOptions,
  routes: Routes,
  actions: HelperActions,
): void {
  const { cookie } = options
  const shared = { ...routes.routeOptions, bodyLimit: HELPER_BODY_LIMIT } as Record<string, unknown>
  const prefix = routes.prefix

  function setSessionCookie(reply: FastifyReply, token: string): void {
    if (!routes.setCookie || !cookie) return
    const setCookie = (reply as FastifyReply & { setCookie?: (n: string, v: string, o: object) => void })
      .setCookie
    if (!setCookie) throw new Error('fastify-picket: routes.setCookie needs @fastify/cookie registered')
    setCookie.call(reply, cookie.name, token, sessionCookieAttributes(cookie))
  }

  helpers.post<{ Body: NonceBody }>(`${prefix}/nonce`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'nonce', routes.rateLimit, true),
    ),
    schema: {
      ...describe('Get the nonce and statement a wallet signs'),
      body: HELPER_BODY_SCHEMAS.nonce,
      response: {
        200: {
          type: 'object',
          required: ['nonce', 'statement', 'format'],
          properties: {
            nonce: { type: 'string' },
            statement: { type: 'string' },
            format: { type: 'string' },
          },
        },
        '4xx': errorAnswer,
        '5xx': errorAnswer,
      },
    },
    handler: (request) => actions.nonce(request.body),
  })

  helpers.post<{ Body: LoginBody }>(`${prefix}/login`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'login', routes.rateLimit, true),
    ),
    schema: {
      ...describe('Exchange a wallet signature for an access token'),
      body: HELPER_BODY_SCHEMAS.login,
      response: { ...authAnswer, '4xx': errorAnswer, '5xx': errorAnswer },
    },
    handler: async (request, reply) => {
      const answer = await actions.login(request.body)
      setSessionCookie(reply, answer.accessToken)
      return answer
    },
  })

  helpers.post<{ Body: AuthzBody }>(`${prefix}/authz`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'authz', routes.rateLimit, false),
    ),
    config: { ...(routes.routeOptions.config as object), picket: true },
    schema: {
      ...describe('Authorize the signed-in wallet for new requirements (a new token)'),
      body: HELPER_BODY_SCHEMAS.authz,
      response: { ...authAnswer, '4xx': errorAnswer, '5xx': errorAnswer },
    },
    handler: async (request: FastifyRequest<{ Body: AuthzBody }>, reply) => {
      const answer = await actions.authz(request.picketToken!, request.body)
      setSessionCookie(reply, answer.accessToken)
      return answer
    },
  })

  helpers.get(`${prefix}/me`, {
    ...shared,
    config: { ...(routes.routeOptions.config as object), picket: true },
    schema: { ...describe('The verified claims of the access token') },
    handler: async (request) => request.picketUser,
  })

  helpers.post(`${prefix}/logout`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'logout', routes.rateLimit, false),
    ),
    schema: {
      ...describe('End the session: revoke the token (with a revocation list) and clear the cookie'),
    },
    handler: async (request, reply) => {
      actions.checkLogoutOrigin(request.headers.origin)
      const clearCookie = (reply as FastifyReply & { clearCookie?: (n: string, o: object) => void })
        .clearCookie
      if (cookie && clearCookie) clearCookie.call(reply, cookie.name, { path: cookie.path ?? '/' })
      return actions.logout(() => readRequestToken(request, fastifyRequestAccess, options, refusals))
    },
  })
}
