import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { AccessTokenPayload, AuthResponse, SigningMessageContext } from 'picket-core'
import {
  checkSiweContext,
  normalizeRequirements,
  RequirementsError,
  rateLimitRefusal,
  walletKey,
} from 'picket-core'
import { isAllowedDomain } from './allowed-domain.js'
import {
  badRequest,
  forbiddenOrigin,
  loginFailed,
  payloadTooLarge,
  tooManyRequests,
  unavailable,
} from './errors.js'
import type { ResolvedOptions } from './options.js'
import type { RateLimitWindow, ResolvedRateLimit } from './rate-limit-options.js'
import { readRequestToken } from './token-source.js'
import { toClientError } from './upstream.js'

/**
 * Largest helper-route body, in bytes: the bundled authority's own limit, so a body the API
 * would refuse is refused here first, with the limit named.
 */
export const HELPER_BODY_LIMIT = 64 * 1024

const chain = { type: 'string', minLength: 1, maxLength: 64 } as const
const walletAddress = { type: 'string', minLength: 1, maxLength: 128 } as const
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

interface NonceBody {
  chain?: string
  walletAddress: string
  locale?: string
}
interface LoginBody {
  chain?: string
  walletAddress: string
  signature: string
  context?: SigningMessageContext
}
interface AuthzBody {
  requirements: Record<string, unknown>
  revalidate?: boolean
}

type Routes = Exclude<ResolvedOptions['routes'], false>

/** Refuses a body over the limit before it is read, naming the limit (Fastify's own 413 does not). */
const refuseLargeBody: onRequestHookHandler = (request, _reply, done) => {
  const length = Number(request.headers['content-length'])
  if (length > HELPER_BODY_LIMIT) {
    return done(payloadTooLarge(`the request body is larger than the limit of ${HELPER_BODY_LIMIT} bytes`))
  }
  done()
}

/**
 * Checks a SIWE login before anything reaches the API (core's one rule: an allowed domain, a
 * URI on an allowed domain, a fresh `issuedAt`, no control characters). A login without a SIWE
 * context cannot be tied to a site, so it is refused unless the registration accepts tokens
 * without a domain.
 */
function checkLoginContext(
  context: SigningMessageContext | undefined,
  routes: Routes,
  options: ResolvedOptions,
): void {
  const empty = context === undefined || Object.keys(context).length === 0
  if (empty) {
    if (options.acceptTokensWithoutDomain) return
    throw badRequest('context is required: the SIWE domain, uri and issuedAt the wallet signed')
  }
  const problem = checkSiweContext(
    {
      domain: typeof context.domain === 'string' ? context.domain : undefined,
      uri: typeof context.uri === 'string' ? context.uri : undefined,
      issuedAt: typeof context.issuedAt === 'string' ? context.issuedAt : undefined,
    },
    {
      isAllowedDomain: (domain) => isAllowedDomain(domain, routes.allowedDomains),
      now: Date.now(),
      maxAgeSeconds: routes.maxMessageAge,
    },
  )
  if (problem) throw badRequest(problem.message)
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
      throw tooManyRequests(refusal.message)
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
  verify: (token: string) => Promise<AccessTokenPayload>,
): void {
  const routes = options.routes
  if (!routes) return
  fastify.register(async (helpers) => {
    if (routes.rateLimit && !helpers.hasDecorator('rateLimit')) {
      await helpers.register(rateLimit, {
        global: false,
        ...(routes.rateLimit.redis ? { redis: routes.rateLimit.redis, nameSpace: 'picket-rate-limit:' } : {}),
      })
    }
    defineHelperRoutes(helpers, options, routes, verify)
  })
}

function defineHelperRoutes(
  helpers: FastifyInstance,
  options: ResolvedOptions,
  routes: Routes,
  verify: (token: string) => Promise<AccessTokenPayload>,
): void {
  const { client, realm, cookie } = options
  const shared = { ...routes.routeOptions, bodyLimit: HELPER_BODY_LIMIT } as Record<string, unknown>
  const setsCookie = routes.setCookie
  const prefix = routes.prefix
  const floor = options.floor

  function setSessionCookie(reply: FastifyReply, token: string): void {
    if (!setsCookie || !cookie) return
    const setCookie = (reply as FastifyReply & { setCookie?: (n: string, v: string, o: object) => void })
      .setCookie
    if (!setCookie) throw new Error('fastify-picket: routes.setCookie needs @fastify/cookie registered')
    setCookie.call(reply, cookie.name, token, {
      httpOnly: true,
      secure: cookie.secure ?? true,
      sameSite: cookie.sameSite ?? 'lax',
      path: cookie.path ?? '/',
      signed: cookie.signed ?? false,
      ...(cookie.domain ? { domain: cookie.domain } : {}),
    })
  }

  helpers.post<{ Body: NonceBody }>(`${prefix}/nonce`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'nonce', routes.rateLimit, true),
    ),
    schema: {
      ...describe('Get the nonce and statement a wallet signs'),
      body: {
        type: 'object',
        required: ['walletAddress'],
        properties: { chain, walletAddress, locale: { type: 'string', maxLength: 35 } },
      },
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
    handler: async (request) => {
      const { chain: slug, walletAddress: address, locale } = request.body
      try {
        return await client.nonce({
          walletAddress: address,
          ...(slug ? { chain: slug } : {}),
          ...(locale ? { locale } : {}),
        })
      } catch (error) {
        throw toClientError(error, realm)
      }
    },
  })

  helpers.post<{ Body: LoginBody }>(`${prefix}/login`, {
    ...withHooks(
      shared,
      { onRequest: [refuseLargeBody] },
      limitsFor(helpers, 'login', routes.rateLimit, true),
    ),
    schema: {
      ...describe('Exchange a wallet signature for an access token'),
      body: {
        type: 'object',
        required: ['walletAddress', 'signature'],
        properties: {
          chain,
          walletAddress,
          signature: { type: 'string', minLength: 1, maxLength: 2048 },
          context: {
            type: 'object',
            properties: {
              domain: { type: 'string', maxLength: 255 },
              uri: { type: 'string', maxLength: 2048 },
              chainId: { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 32 }] },
              issuedAt: { type: 'string', maxLength: 64 },
              chainType: { type: 'string', maxLength: 32 },
              locale: { type: 'string', maxLength: 35 },
            },
          },
        },
      },
      response: { ...authAnswer, '4xx': errorAnswer, '5xx': errorAnswer },
    },
    handler: async (request, reply) => {
      const { chain: slug, walletAddress: address, signature, context } = request.body
      checkLoginContext(context, routes, options)
      if (floor && (slug ?? 'ethereum') !== floor.chain) {
        throw badRequest(`this server signs wallets in on ${floor.chain}, not ${slug ?? 'ethereum'}`)
      }
      let answer: AuthResponse
      try {
        answer = await client.auth({
          walletAddress: address,
          signature,
          requirements: floor?.requirements ?? {},
          ...(slug ? { chain: slug } : {}),
          ...(context ? { context } : {}),
        })
      } catch (error) {
        throw toClientError(error, realm, 'login')
      }
      // The new token is checked as every request will check it (site, chain, login rules), so
      // a login never hands out a token this server would then refuse.
      try {
        await verify(answer.accessToken)
      } catch (error) {
        throw loginFailed(`the API issued a token this server does not accept: ${(error as Error).message}`)
      }
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
      body: {
        type: 'object',
        required: ['requirements'],
        properties: { requirements: { type: 'object' }, revalidate: { type: 'boolean' } },
      },
      response: { ...authAnswer, '4xx': errorAnswer, '5xx': errorAnswer },
    },
    handler: async (request: FastifyRequest<{ Body: AuthzBody }>, reply) => {
      let requirements: ReturnType<typeof normalizeRequirements>
      try {
        requirements = normalizeRequirements(request.body.requirements)
      } catch (error) {
        if (error instanceof RequirementsError)
          throw badRequest(`requirements.${error.field}: ${error.message}`)
        throw error
      }
      try {
        const answer = await client.authz({
          accessToken: request.picketToken!,
          requirements,
          revalidate: request.body.revalidate ?? false,
        })
        setSessionCookie(reply, answer.accessToken)
        return answer
      } catch (error) {
        throw toClientError(error, realm)
      }
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
      if (cookie) {
        // A cookie is sent by the browser on any site's form post: only the app's own pages may
        // end the session (login CSRF's twin, logout CSRF).
        const origin = request.headers.origin
        const host = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin).host : undefined
        if (host === undefined || !isAllowedDomain(host.toLowerCase(), routes.allowedDomains)) {
          throw forbiddenOrigin("logout needs an Origin header from one of this server's sites")
        }
      }
      const clearCookie = (reply as FastifyReply & { clearCookie?: (n: string, o: object) => void })
        .clearCookie
      if (cookie && clearCookie) clearCookie.call(reply, cookie.name, { path: cookie.path ?? '/' })
      if (options.revoke) {
        let claims: AccessTokenPayload | undefined
        try {
          const token = await readRequestToken(request, options)
          claims = token === undefined ? undefined : await verify(token)
        } catch {
          // An invalid or expired token needs no revoking; the cookie is cleared all the same.
        }
        if (claims) {
          try {
            await options.revoke(claims)
          } catch (error) {
            throw unavailable('the token could not be revoked; try again', 5, error)
          }
        }
        return { loggedOut: true, revoked: claims !== undefined }
      }
      return { loggedOut: true }
    },
  })
}
