import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AUTHORIZE_SCHEMA } from '../openapi/oauth-schemas.js'
import { noteLoginError, noteLoginOutcome } from '../operations/login-outcomes.js'
import { clientGoneSignal, issuerOf } from '../request-context.js'
import { normalizeAuthRequest } from '../request-normalization.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { signInWallet } from '../wallet-login.js'
import { type AuthorizeTarget, parseAuthorizeRequest, resolveAuthorizeTarget } from './authorize-request.js'
import { OAuthError, oauthErrorBody, toOAuthError } from './errors.js'
import type { CodeGrant } from './grant-stores.js'
import { digestToken, newOpaqueToken } from './opaque-tokens.js'
import { errorPage, type HtmlPage, loginPage, webMessagePage } from './pages.js'

/** Seconds an authorization code lives (RFC 6749 §4.1.2: "a maximum lifetime of 10 minutes"). */
export const CODE_TTL_SECONDS = 60

/**
 * `GET /oauth2/authorize` (reference §2.8): the authorization endpoint of picket-js's redirect
 * and popup logins and of any OpenID Connect relying party.
 *
 * A request carrying a wallet login (`walletAddress`, `signature`, SIWE context, requirements:
 * what picket-js sends) is verified by the very rule of `POST /auth` (`signInWallet`); a request
 * without one gets the hosted login page, whose wallet signs for the authority's own domain.
 * The answer is a one-minute, single-use code bound to the client, the redirect URI and the PKCE
 * challenge, sent to the redirect URI (`?code&state&iss`) or, for picket-js's popup, posted to
 * the opener by a `web_message` page.
 */
export function registerAuthorizeRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  // No HEAD twin: it would run the whole wallet login (and mint a code) outside the GET's limits.
  app.get(
    '/oauth2/authorize',
    { config: PUBLIC_ROUTE, exposeHeadRoute: false, schema: AUTHORIZE_SCHEMA },
    async (request, reply) => {
      const params = new URLSearchParams(rawQuery(request))
      let target: AuthorizeTarget
      try {
        target = resolveAuthorizeTarget(runtime, params)
      } catch (error) {
        noteLoginError(request, error)
        return sendUntrusted(request, reply, error as OAuthError)
      }
      const issuer = issuerOf(runtime)
      try {
        const authorization = parseAuthorizeRequest(target, params)
        const { project } = authorization
        if (!authorization.login) {
          if (authorization.promptNone) {
            throw new OAuthError(
              'login_required',
              'prompt=none, but the wallet has to sign in (no session is kept)',
            )
          }
          return sendPage(
            reply,
            200,
            loginPage({
              projectName: project.name,
              clientId: project.publishableKey,
              chain: params.get('chain') || 'ethereum',
              signingMessageUrl: `${issuer}/oauth2/signing-message`,
            }),
          )
        }
        const login = normalizeAuthRequest(authorization.login)
        const signedIn = await signInWallet(runtime, {
          project,
          login,
          signal: clientGoneSignal(reply),
          extraAllowedDomains: [new URL(issuer).host.toLowerCase()],
          // Here the signature travels in a URL (history, logs, proxies): once verified it is spent,
          // or a refused login's URL, replayed without its requirements, would sign the wallet in.
          spendNonceOnceVerified: true,
        })
        const grant: CodeGrant = {
          projectId: project.id,
          clientId: project.publishableKey,
          redirectUri: authorization.redirectUri,
          codeChallenge: authorization.codeChallenge,
          scope: authorization.scope,
          ...(authorization.nonce !== undefined ? { nonce: authorization.nonce } : {}),
          authTime: Math.floor(runtime.now() / 1000),
          user: signedIn.user,
          extensions: signedIn.extensions,
          requirements: login.requirements,
        }
        const code = newOpaqueToken()
        await runtime.oauth.codes.put(digestToken(code), grant, CODE_TTL_SECONDS)
        noteLoginOutcome(request, 'success')
        return sendResponse(reply, authorization, { code }, issuer)
      } catch (thrown) {
        noteLoginError(request, thrown)
        const error = toOAuthError(thrown, runtime.bodyLimit)
        if (error.error === 'server_error') request.log.error({ err: thrown }, 'OAuth authorization failed')
        else request.log.info({ error: error.error }, error.message)
        return sendResponse(reply, target, { error: error.error, error_description: error.message }, issuer)
      }
    },
  )
}

/** The raw query string: repeated parameters and their order exactly as sent. */
function rawQuery(request: FastifyRequest): string {
  const url = request.raw.url ?? ''
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/**
 * The authorization response, to the redirect URI's query (its own query kept byte for byte,
 * RFC 6749 §3.1.2) or posted to the popup's opener. `iss` names this authority (RFC 9207), so
 * a client talking to several cannot be handed another's code.
 */
function sendResponse(
  reply: FastifyReply,
  target: AuthorizeTarget,
  fields: Record<string, string>,
  issuer: string,
): FastifyReply {
  const response = {
    ...fields,
    ...(target.state !== undefined ? { state: target.state } : {}),
    iss: issuer,
  }
  if (target.responseMode === 'web_message') {
    return sendPage(reply, 200, webMessagePage(new URL(target.redirectUri).origin, response))
  }
  const separator = target.redirectUri.includes('?') ? '&' : '?'
  return reply
    .header('cache-control', 'no-store')
    .redirect(`${target.redirectUri}${separator}${new URLSearchParams(response)}`, 302)
}

/** An error before the redirect URI is trusted: shown here (HTML for a browser, JSON otherwise). */
export function sendUntrusted(request: FastifyRequest, reply: FastifyReply, error: OAuthError): FastifyReply {
  const status = Math.max(400, error.statusCode)
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter))
  if (error.error === 'server_error') request.log.error({ err: error }, 'OAuth authorization failed')
  else request.log.info({ error: error.error }, error.message)
  if ((request.headers.accept ?? '').includes('text/html')) {
    return sendPage(reply, status, errorPage(error.error, error.message))
  }
  return reply.code(status).header('cache-control', 'no-store').send(oauthErrorBody(error))
}

function sendPage(reply: FastifyReply, status: number, page: HtmlPage): FastifyReply {
  return reply.code(status).headers(page.headers).send(page.html)
}
