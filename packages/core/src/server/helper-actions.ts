import type { AccessTokenPayload, AuthResponse, NonceResponse, SigningMessageContext } from '../core/index.js'
import { checkSiweContext, normalizeRequirements, RequirementsError } from '../core/index.js'
import { isAllowedDomain } from './allowed-domain.js'
import type { PicketEngine } from './engine.js'
import type { CookieOptions, ResolvedHelperRoutes } from './options.js'
import { toClientError } from './upstream.js'

/**
 * Largest helper-route body, in bytes: the bundled authority's own limit, so a body the API
 * would refuse is refused here first, with the limit named.
 */
export const HELPER_BODY_LIMIT = 64 * 1024

export interface NonceBody {
  chain?: string
  walletAddress: string
  locale?: string
}
export interface LoginBody {
  chain?: string
  walletAddress: string
  signature: string
  context?: SigningMessageContext
}
export interface AuthzBody {
  requirements: Record<string, unknown>
  revalidate?: boolean
}

const chain = { type: 'string', minLength: 1, maxLength: 64 } as const
const walletAddress = { type: 'string', minLength: 1, maxLength: 128 } as const

/**
 * The helper routes' request bodies as JSON Schema: Fastify validates with them (and documents
 * them through @fastify/swagger), the Express router compiles the same objects with Ajv.
 */
export const HELPER_BODY_SCHEMAS = {
  nonce: {
    type: 'object',
    required: ['walletAddress'],
    properties: { chain, walletAddress, locale: { type: 'string', maxLength: 35 } },
  },
  login: {
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
  authz: {
    type: 'object',
    required: ['requirements'],
    properties: { requirements: { type: 'object' }, revalidate: { type: 'boolean' } },
  },
} as const

/** The session cookie's attributes when a helper route sets it (httpOnly, Secure, Lax, `/` by default). */
export function sessionCookieAttributes(cookie: CookieOptions) {
  return {
    httpOnly: true,
    secure: cookie.secure ?? true,
    sameSite: cookie.sameSite ?? ('lax' as const),
    path: cookie.path ?? '/',
    signed: cookie.signed ?? false,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  }
}

export interface HelperActions {
  nonce(body: NonceBody): Promise<NonceResponse>
  /** Checks the SIWE context, asks the API, and checks the new token as every request will. */
  login(body: LoginBody): Promise<AuthResponse>
  authz(token: string, body: AuthzBody): Promise<AuthResponse>
  /**
   * With a session cookie, only the app's own pages may end the session (a cookie is sent by
   * the browser on any site's form post: logout CSRF).
   */
  checkLogoutOrigin(origin: string | string[] | undefined): void
  /** Revokes the token (with a revocation list); an invalid or expired one needs no revoking. */
  logout(readToken: () => Promise<string | undefined>): Promise<{ loggedOut: true; revoked?: boolean }>
}

/** What the helper routes do, the same for every adapter; the adapter routes and answers. */
export function createHelperActions<Req>(
  engine: PicketEngine<Req>,
  routes: ResolvedHelperRoutes,
): HelperActions {
  const { options, refusals, verify } = engine
  const { client, realm, floor } = options
  const allowedDomains = options.allowedDomains!

  /**
   * Checks a SIWE login before anything reaches the API (core's one rule: an allowed domain, a
   * URI on an allowed domain, a fresh `issuedAt`, no control characters). A login without a SIWE
   * context cannot be tied to a site, so it is refused unless the registration accepts tokens
   * without a domain.
   */
  function checkLoginContext(context: SigningMessageContext | undefined): void {
    const empty = context === undefined || Object.keys(context).length === 0
    if (empty) {
      if (options.acceptTokensWithoutDomain) return
      throw refusals.badRequest('context is required: the SIWE domain, uri and issuedAt the wallet signed')
    }
    const problem = checkSiweContext(
      {
        domain: typeof context.domain === 'string' ? context.domain : undefined,
        uri: typeof context.uri === 'string' ? context.uri : undefined,
        issuedAt: typeof context.issuedAt === 'string' ? context.issuedAt : undefined,
      },
      {
        isAllowedDomain: (domain) => isAllowedDomain(domain, allowedDomains),
        now: Date.now(),
        maxAgeSeconds: routes.maxMessageAge,
      },
    )
    if (problem) throw refusals.badRequest(problem.message)
  }

  return {
    async nonce({ chain: slug, walletAddress: address, locale }) {
      try {
        return await client.nonce({
          walletAddress: address,
          ...(slug ? { chain: slug } : {}),
          ...(locale ? { locale } : {}),
        })
      } catch (error) {
        throw toClientError(error, refusals, realm)
      }
    },

    async login({ chain: slug, walletAddress: address, signature, context }) {
      checkLoginContext(context)
      if (floor && (slug ?? 'ethereum') !== floor.chain) {
        throw refusals.badRequest(`this server signs wallets in on ${floor.chain}, not ${slug ?? 'ethereum'}`)
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
        throw toClientError(error, refusals, realm, 'login')
      }
      // The new token is checked as every request will check it (site, chain, login rules), so
      // a login never hands out a token this server would then refuse.
      try {
        await verify(answer.accessToken)
      } catch (error) {
        throw refusals.loginFailed(
          `the API issued a token this server does not accept: ${(error as Error).message}`,
        )
      }
      return answer
    },

    async authz(token, body) {
      let requirements: ReturnType<typeof normalizeRequirements>
      try {
        requirements = normalizeRequirements(body.requirements)
      } catch (error) {
        if (error instanceof RequirementsError)
          throw refusals.badRequest(`requirements.${error.field}: ${error.message}`)
        throw error
      }
      try {
        return await client.authz({ accessToken: token, requirements, revalidate: body.revalidate ?? false })
      } catch (error) {
        throw toClientError(error, refusals, realm)
      }
    },

    checkLogoutOrigin(origin) {
      if (!options.cookie) return
      const host = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin).host : undefined
      if (host === undefined || !isAllowedDomain(host.toLowerCase(), allowedDomains)) {
        throw refusals.forbiddenOrigin("logout needs an Origin header from one of this server's sites")
      }
    },

    async logout(readToken) {
      if (!options.revoke) return { loggedOut: true }
      let claims: AccessTokenPayload | undefined
      try {
        const token = await readToken()
        claims = token === undefined ? undefined : await verify(token)
      } catch {
        // An invalid or expired token needs no revoking; the cookie is cleared all the same.
      }
      if (claims) {
        try {
          await options.revoke(claims)
        } catch (error) {
          throw refusals.unavailable('the token could not be revoked; try again', 5, error)
        }
      }
      return { loggedOut: true, revoked: claims !== undefined }
    },
  }
}
