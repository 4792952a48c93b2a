import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RequirementsError } from '../core/errors.js'
import { normalizeRequirements } from '../core/requirements.js'
import type { AuthResponse, SigningMessageContext } from '../core/types.js'
import { isAllowedDomain } from './allowed-domain.js'
import { badRequest } from './errors.js'
import type { ResolvedOptions } from './options.js'
import { toClientError } from './upstream.js'

/** Allowed clock skew for a SIWE `issuedAt` in the future, in seconds. */
const FUTURE_SKEW_SECONDS = 60

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

/**
 * Checks a SIWE context before anything reaches the API: the domain must be one this server
 * serves (a message signed for another site is a phishing relay) and `issuedAt` fresh.
 */
function checkContext(
  context: SigningMessageContext | undefined,
  routes: Exclude<ResolvedOptions['routes'], false>,
): void {
  if (context === undefined || Object.keys(context).length === 0) return
  if (typeof context.domain !== 'string' || context.domain === '')
    throw badRequest('context.domain is required')
  if (!isAllowedDomain(context.domain, routes.allowedDomains)) {
    throw badRequest(`context.domain '${context.domain}' is not allowed`)
  }
  if (typeof context.issuedAt !== 'string') throw badRequest('context.issuedAt is required')
  const issuedAt = Date.parse(context.issuedAt)
  if (Number.isNaN(issuedAt)) throw badRequest('context.issuedAt is not an ISO 8601 date')
  const now = Date.now()
  if (issuedAt > now + FUTURE_SKEW_SECONDS * 1000) throw badRequest('context.issuedAt is in the future')
  if (issuedAt < now - routes.maxMessageAge * 1000)
    throw badRequest('context.issuedAt is too old: sign in again')
}

/** `/auth/nonce`, `/auth/login`, `/auth/authz`, `/auth/me`, `/auth/logout` under `routes.prefix`. */
export function registerHelperRoutes(fastify: FastifyInstance, options: ResolvedOptions): void {
  const routes = options.routes
  if (!routes) return
  const { client, realm, cookie } = options
  const shared = routes.routeOptions
  const setsCookie = routes.setCookie
  const prefix = routes.prefix

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

  fastify.post<{ Body: NonceBody }>(`${prefix}/nonce`, {
    ...shared,
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

  fastify.post<{ Body: LoginBody }>(`${prefix}/login`, {
    ...shared,
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
      checkContext(context, routes)
      let answer: AuthResponse
      try {
        answer = await client.auth({
          walletAddress: address,
          signature,
          requirements: routes.requirements,
          ...(slug ? { chain: slug } : {}),
          ...(context ? { context } : {}),
        })
      } catch (error) {
        throw toClientError(error, realm, 'login')
      }
      setSessionCookie(reply, answer.accessToken)
      return answer
    },
  })

  fastify.post<{ Body: AuthzBody }>(`${prefix}/authz`, {
    ...shared,
    config: { ...shared.config, picket: true },
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

  fastify.get(`${prefix}/me`, {
    ...shared,
    config: { ...shared.config, picket: true },
    schema: { ...describe('The verified claims of the access token') },
    handler: async (request) => request.picketUser,
  })

  fastify.post(`${prefix}/logout`, {
    ...shared,
    schema: { ...describe('Clear the session cookie') },
    handler: async (_request, reply) => {
      const clearCookie = (reply as FastifyReply & { clearCookie?: (n: string, o: object) => void })
        .clearCookie
      if (cookie && clearCookie) clearCookie.call(reply, cookie.name, { path: cookie.path ?? '/' })
      return { loggedOut: true }
    },
  })
}
