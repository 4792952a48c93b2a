/**
 * An ordinary OpenID Connect web app that signs people in with their wallet, and has no wallet
 * code of its own. Its only auth code is openid-client: discovery, an authorization request with
 * PKCE, the code exchange, userinfo, refresh and revocation, all against the authority. The
 * authority's hosted login page (GET /oauth2/authorize without a signature) talks to the wallet.
 *
 * Token gating travels in the authorization request: for the members' room the app adds the
 * requirement (contractAddress + minTokenBalance) to the authorize URL; the authority reads the
 * chain while the wallet signs in, and either issues a code or answers access_denied. The app
 * then checks what was granted (userinfo's tokenBalances): the authorize URL passes through the
 * browser, so a stripped requirement must not become a membership. Each refresh re-reads the chain.
 */
import { timingSafeEqual } from 'node:crypto'
import cookie from '@fastify/cookie'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import * as oidc from 'openid-client'
import { type Session, SessionStore, type SessionTokens, type SignedInUser } from './sessions.js'
import { errorPage, homePage, type MembersRule, membersPage, refusedPage, STYLE } from './views.js'

export type { MembersRule }

export interface OidcAppOptions {
  /** The authority's issuer; discovery reads `${issuer}/.well-known/openid-configuration`. */
  issuer: string
  /** The client id: the project's publishable key. */
  clientId: string
  /** The client secret: the project's secret key (this app is a confidential client). */
  clientSecret: string
  /** Where this app is reached, e.g. `http://127.0.0.1:3002`; its callback is `${appUrl}/callback`. */
  appUrl: string
  /** The members' room: who may enter, on which chain (the chain wallets sign in on). */
  members: MembersRule
  /** Secret of the signed cookies; default a random one (sessions are in memory anyway). */
  cookieSecret?: string
  sessions?: SessionStore
  logger?: boolean
}

export interface OidcApp {
  app: FastifyInstance
  sessions: SessionStore
  /** The authority's metadata, as discovered. */
  server: oidc.ServerMetadata
}

const SESSION_COOKIE = 'oidc_example_session'
const LOGIN_COOKIE = 'oidc_example_login'
const LOGIN_MAX_AGE = 600

/** What the callback needs to finish a sign-in, kept in a signed httpOnly cookie meanwhile. */
interface PendingLogin {
  state: string
  nonce: string
  codeVerifier: string
  /** Whether the requirement of the members' room was asked for. */
  members: boolean
}

export async function createOidcApp(options: OidcAppOptions): Promise<OidcApp> {
  const appUrl = new URL(options.appUrl)
  const redirectUri = new URL('/callback', appUrl).href
  const issuer = new URL(options.issuer)
  const rule = options.members
  const sessions = options.sessions ?? new SessionStore()

  // Discovery: the endpoints and the ID token's signing keys, from the issuer. Plain http only
  // for an authority on this machine (the example's); anywhere else openid-client insists on https.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  const config = await oidc.discovery(
    issuer,
    options.clientId,
    undefined,
    oidc.ClientSecretBasic(options.clientSecret),
    issuer.protocol === 'http:' && loopback ? { execute: [oidc.allowInsecureRequests] } : undefined,
  )

  const app = Fastify({ logger: options.logger ?? false })
  await app.register(cookie, { secret: options.cookieSecret ?? oidc.randomState() })
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )
  const cookieOptions = {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: appUrl.protocol === 'https:',
    path: '/',
  } as const
  const contentSecurityPolicy = `default-src 'none'; style-src 'self'; form-action 'self' ${issuer.origin}; frame-ancestors 'none'; base-uri 'none'`

  function page(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', contentSecurityPolicy)
      .header('cache-control', 'no-store')
      .send(html)
  }

  function currentSession(request: FastifyRequest): Session | undefined {
    const raw = request.cookies[SESSION_COOKIE]
    if (raw === undefined) return undefined
    const { valid, value } = request.unsignCookie(raw)
    return valid && value !== null ? sessions.get(value) : undefined
  }

  /** A new session (a new id at every sign-in: an id planted before it is worth nothing after). */
  function newSession(request: FastifyRequest, reply: FastifyReply): Session {
    const old = currentSession(request)
    if (old) sessions.delete(old.id)
    const session = sessions.create()
    reply.setCookie(SESSION_COOKIE, session.id, cookieOptions)
    return session
  }

  function readPendingLogin(request: FastifyRequest): PendingLogin | undefined {
    const raw = request.cookies[LOGIN_COOKIE]
    if (raw === undefined) return undefined
    const { valid, value } = request.unsignCookie(raw)
    return valid && value !== null ? (JSON.parse(value) as PendingLogin) : undefined
  }

  function csrfOk(session: Session, request: FastifyRequest): boolean {
    const sent = Buffer.from(String((request.body as Record<string, unknown> | undefined)?.csrf ?? ''))
    const expected = Buffer.from(session.csrf)
    return sent.length === expected.length && timingSafeEqual(sent, expected)
  }

  /** The membership the authority vouched for in this access token (userinfo's tokenBalances). */
  async function membership(accessToken: string, sub: string): Promise<Session['members']> {
    const info = await oidc.fetchUserInfo(config, accessToken, sub)
    const balance = balanceOf(info.tokenBalances, rule.contractAddress)
    return decimalAtLeast(balance, rule.minTokenBalance)
      ? { granted: true, balance }
      : {
          granted: false,
          reason: `The authority did not vouch for the requirement (balance granted: ${balance}).`,
        }
  }

  /** Refresh grant: the authority reads the chain again for the requirement granted at sign-in. */
  async function renew(session: Session): Promise<void> {
    const refreshToken = session.tokens?.refreshToken
    if (!session.user || refreshToken === undefined) {
      session.members = { granted: false, reason: 'This session has no refresh token to renew.' }
      return
    }
    try {
      const tokens = await oidc.refreshTokenGrant(config, refreshToken)
      session.tokens = tokensOf(tokens)
      session.members = await membership(tokens.access_token, session.user.sub)
    } catch (error) {
      if (!(error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant')) throw error
      delete session.tokens
      session.members = {
        granted: false,
        reason: `The authority ended the session: ${error.error_description ?? error.error}.`,
      }
    }
  }

  async function revoke(tokens: SessionTokens | undefined): Promise<void> {
    if (tokens?.refreshToken === undefined) return
    await oidc.tokenRevocation(config, tokens.refreshToken, { token_type_hint: 'refresh_token' })
  }

  // One name for this app: the login cookie is set for the host the callback comes back to.
  app.addHook('onRequest', async (request, reply) => {
    if (request.host !== appUrl.host) return reply.redirect(new URL(request.url, appUrl).href)
  })

  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE))

  app.get('/', async (request, reply) => page(reply, 200, homePage(currentSession(request), rule)))

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      members: request.query.next === 'members',
    }
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      chain: rule.chain,
      // The token gate, asked of the authority: it checks the chain while the wallet signs in.
      ...(pending.members
        ? { contractAddress: rule.contractAddress, minTokenBalance: rule.minTokenBalance }
        : {}),
    })
    reply.setCookie(LOGIN_COOKIE, JSON.stringify(pending), {
      ...cookieOptions,
      path: '/callback',
      maxAge: LOGIN_MAX_AGE,
    })
    return reply.redirect(url.href)
  })

  app.get('/callback', async (request, reply) => {
    const pending = readPendingLogin(request)
    reply.clearCookie(LOGIN_COOKIE, { path: '/callback' })
    if (!pending) {
      const detail = 'This browser has no sign-in in progress (or it took over 10 minutes). Start again.'
      return page(reply, 400, errorPage(currentSession(request), 'Sign-in failed', detail))
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>
    try {
      // Checks state, iss, the code exchange (PKCE verifier, client secret) and the ID token
      // (ES256 signature from the JWKS, iss, aud, exp, nonce).
      tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, appUrl), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
    } catch (error) {
      if (!(error instanceof oidc.AuthorizationResponseError)) throw error
      if (error.error === 'access_denied' && pending.members) {
        // Signed, but the wallet does not meet the requirement: stay signed in as before (if at all).
        const session = currentSession(request) ?? newSession(request, reply)
        session.members = { granted: false, reason: error.error_description ?? 'access_denied' }
        return reply.redirect('/members')
      }
      const detail = `The authority answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}.`
      return page(reply, 400, errorPage(currentSession(request), 'Sign-in failed', detail))
    }

    const claims = tokens.claims()!
    const previous = currentSession(request)
    await revoke(previous?.tokens).catch((error) => request.log.warn({ error }, 'revoking the old session'))
    const session = newSession(request, reply)
    session.user = userOf(claims)
    session.tokens = tokensOf(tokens)
    if (pending.members) session.members = await membership(tokens.access_token, claims.sub)
    return reply.redirect(pending.members ? '/members' : '/')
  })

  // The token-gated page.
  app.get('/members', async (request, reply) => {
    const session = currentSession(request)
    if (!session?.members) return reply.redirect('/login?next=members')
    if (session.members.granted && session.tokens && session.tokens.expiresAt <= Date.now())
      await renew(session)
    return session.members.granted
      ? page(reply, 200, membersPage(session, rule, session.members.balance))
      : page(reply, 403, refusedPage(session, rule, session.members.reason))
  })

  app.post('/members/recheck', async (request, reply) => {
    const session = currentSession(request)
    if (!session?.members) return reply.redirect('/members')
    if (!csrfOk(session, request)) return page(reply, 403, errorPage(session, 'Refused', 'Bad form token.'))
    await renew(session)
    return reply.redirect('/members')
  })

  app.post('/logout', async (request, reply) => {
    const session = currentSession(request)
    if (session) {
      if (!csrfOk(session, request)) return page(reply, 403, errorPage(session, 'Refused', 'Bad form token.'))
      // RFC 7009: the refresh token (and the session family it belongs to) dies at the authority.
      await revoke(session.tokens)
      sessions.delete(session.id)
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/')
  })

  app.setErrorHandler(async (error, request, reply) => {
    request.log.error({ error }, 'request failed')
    const detail = error instanceof Error ? error.message : String(error)
    return page(reply, 502, errorPage(currentSession(request), 'Something went wrong', detail))
  })

  return { app, sessions, server: config.serverMetadata() }
}

function userOf(claims: oidc.IDToken): SignedInUser {
  return {
    sub: claims.sub,
    chain: String(claims.chain),
    walletAddress: String(claims.walletAddress),
    displayAddress: String(claims.displayAddress),
    claims: { ...claims },
  }
}

function tokensOf(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): SessionTokens {
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: Date.now() + (tokens.expiresIn() ?? 0) * 1000,
  }
}

/** The balance of `contract` in userinfo's `tokenBalances` (`{contractAddress: {[address]: '1'}}`), else '0'. */
function balanceOf(tokenBalances: unknown, contract: string): string {
  const byContract =
    typeof tokenBalances === 'object' && tokenBalances !== null
      ? (tokenBalances as Record<string, unknown>).contractAddress
      : undefined
  if (typeof byContract !== 'object' || byContract === null) return '0'
  for (const [address, balance] of Object.entries(byContract)) {
    if (address.toLowerCase() === contract.toLowerCase() && typeof balance === 'string') return balance
  }
  return '0'
}

/** `a >= b` for non-negative decimals such as '100' or '0.5': exact, no floats. */
function decimalAtLeast(a: string, b: string): boolean {
  const decimal = /^(\d+)(?:\.(\d+))?$/
  const [, ai = '', af = ''] = decimal.exec(a) ?? []
  const [, bi = '', bf = ''] = decimal.exec(b) ?? []
  if (ai === '' || bi === '') return false
  const scale = Math.max(af.length, bf.length)
  return BigInt(ai + af.padEnd(scale, '0')) >= BigInt(bi + bf.padEnd(scale, '0'))
}
