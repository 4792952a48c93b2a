/**
 * The OAuth / OIDC endpoints against an attacker: what a code, a refresh token, a session id or
 * a redirect URI must NOT open. Real authority over HTTP on 127.0.0.1, real secp256k1 wallets,
 * real ES256 tokens.
 */
import { randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import t from 'tap'
import type { PrivateKeyAccount } from 'viem/accounts'
import {
  pkce,
  authorize as supportAuthorize,
  hostedSignature as supportSignature,
  tokenRequest,
} from '../authority/support/oauth.js'
import { prepareEvmLogin, siweContext } from '../authority/support/wallets.js'
import {
  authorizeParams,
  OTHER_REDIRECT,
  offlineSession,
  PARTNER,
  PROJECT,
  REDIRECT,
  startOAuthAuthority,
  wallet,
} from './support/oauth-setup.js'

const authority = await startOAuthAuthority(t)
const base = authority.url

const hostedSignature = (account: PrivateKeyAccount, clientId = PROJECT.publishableKey) =>
  supportSignature(base, account, clientId)
const authorize = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  supportAuthorize(base, params, headers)
const token = (body: Record<string, string>, clientKey = PROJECT.publishableKey) =>
  tokenRequest(base, body, clientKey)

async function codeFor(account: PrivateKeyAccount, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce()
  const response = await authorize({
    ...authorizeParams(challenge, await hostedSignature(account)),
    ...extra,
  })
  const location = new URL(response.headers.get('location') ?? 'http://invalid/')
  return { code: location.searchParams.get('code') ?? '', verifier, location, status: response.status }
}

const session = (account: PrivateKeyAccount) => offlineSession(base, account)

t.test(
  'a session id seen in a token cannot be used to forge a refresh token and revoke the session',
  async (t) => {
    const tokens = await session(wallet())
    const sid = decodeJwt(tokens.id_token).sid as string
    t.equal(decodeJwt(tokens.access_token).sid, sid, 'the access token names the same session')
    const forged = `${sid.slice(0, 22)}.${randomBytes(32).toString('base64url')}`
    const refused = await token({ grant_type: 'refresh_token', refresh_token: forged })
    t.equal(refused.body.error, 'invalid_grant')
    const forgedFull = `${sid}.${randomBytes(32).toString('base64url')}`
    t.equal(
      (await token({ grant_type: 'refresh_token', refresh_token: forgedFull })).body.error,
      'invalid_grant',
    )
    const still = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    t.equal(still.status, 200, 'the real refresh token still works: nothing was revoked')
  },
)

t.test('revocation with only the public client id and a session id revokes nothing', async (t) => {
  const tokens = await session(wallet())
  const sid = decodeJwt(tokens.id_token).sid as string
  const response = await fetch(`${base}/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: PROJECT.publishableKey,
      token: `${sid.slice(0, 22)}.${'A'.repeat(43)}`,
    }),
  })
  t.equal(response.status, 200, 'RFC 7009: 200 whatever the token')
  t.equal((await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status, 200)
})

t.test(
  'a code is bound to its client, redirect URI and PKCE verifier; a refused try does not burn it',
  async (t) => {
    const { code, verifier } = await codeFor(wallet())
    const partner = await token(
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
      PARTNER.publishableKey,
    )
    t.equal(partner.body.error, 'invalid_grant', 'another client cannot redeem it')
    const otherUri = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${REDIRECT}/`,
      code_verifier: verifier,
    })
    t.equal(otherUri.body.error, 'invalid_grant', 'a redirect URI with a trailing slash is another URI')
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    })
    t.equal(wrong.body.error, 'invalid_grant', 'a wrong verifier is refused')
    const right = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    })
    t.equal(right.status, 200, 'the holder of the verifier still gets its tokens')
    const again = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    })
    t.equal(again.body.error, 'invalid_grant', 'a code works once')
    const revoked = await token({ grant_type: 'refresh_token', refresh_token: right.body.refresh_token })
    t.equal(revoked.body.error, 'invalid_grant', 'and its reuse revoked the session it started')
  },
)

t.test('nothing is ever sent to a redirect URI the project did not register', async (t) => {
  const { challenge } = pkce()
  const cases: Record<string, Record<string, string>> = {
    'unregistered URI': { client_id: PROJECT.publishableKey, redirect_uri: 'https://evil.example/cb' },
    'trailing slash': { client_id: PROJECT.publishableKey, redirect_uri: `${REDIRECT}/` },
    'another project’s URI': { client_id: PROJECT.publishableKey, redirect_uri: OTHER_REDIRECT },
    'unknown client': { client_id: 'pk_nobody', redirect_uri: REDIRECT },
    'secret key as client id': { client_id: PROJECT.secretKey, redirect_uri: REDIRECT },
    'no client': { redirect_uri: REDIRECT },
  }
  for (const [name, params] of Object.entries(cases)) {
    const response = await authorize(
      {
        ...params,
        response_type: 'code',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'x',
      },
      { accept: 'text/html' },
    )
    t.equal(response.status, 400, `${name}: 400`)
    t.equal(response.headers.get('location'), null, `${name}: no redirect`)
    const html = await response.text()
    t.notOk(html.includes(PROJECT.secretKey), `${name}: the page never shows a secret key`)
  }
})

t.test('the hosted login domain is accepted on /oauth2/authorize only, never on /auth', async (t) => {
  const account = wallet()
  const login = await hostedSignature(account)
  const response = await authority.call('POST', 'auth', {
    body: {
      chain: 'ethereum',
      walletAddress: login.walletAddress,
      signature: login.signature,
      context: { domain: login.domain, uri: login.uri, issuedAt: login.issuedAt, chainId: 1 },
    },
  })
  t.equal(response.status, 401, 'POST /auth refuses a message signed for the authority’s own domain')
  t.match(response.body.msg, /invalid signature/i)
})

t.test('a wallet login signed for a site outside the project is refused at authorize', async (t) => {
  const account = wallet()
  const context = siweContext({ domain: 'evil.example', uri: 'https://evil.example' })
  const login = await prepareEvmLogin(authority, account, { context })
  const { challenge } = pkce()
  const response = await authorize({
    client_id: PROJECT.publishableKey,
    redirect_uri: REDIRECT,
    response_mode: 'code',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    chain: 'ethereum',
    walletAddress: account.address,
    signature: login.body.signature as string,
    domain: 'evil.example',
    uri: 'https://evil.example',
    issuedAt: context.issuedAt as string,
  })
  const location = new URL(response.headers.get('location') ?? 'http://invalid/')
  t.equal(location.searchParams.get('error'), 'access_denied')
  t.match(location.searchParams.get('error_description'), /evil\.example/, 'refused for its domain')
  t.equal(location.searchParams.get('code'), null)
  t.equal(location.searchParams.get('state'), 'st')
})

t.test('the popup answer is posted only to the registered redirect URI’s origin', async (t) => {
  const { challenge } = pkce()
  const login = await hostedSignature(wallet())
  const response = await authorize({
    client_id: PROJECT.publishableKey,
    redirect_uri: REDIRECT,
    response_mode: 'web_message',
    state: 'pop',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...login,
  })
  t.equal(response.status, 200)
  const html = await response.text()
  const data = JSON.parse(
    /<script type="application\/json" id="picket-data">(.*?)<\/script>/s.exec(html)![1]!,
  )
  t.equal(data.targetOrigin, 'http://127.0.0.1:9', 'targetOrigin is the redirect URI’s origin, never "*"')
  t.ok(data.response.code, 'a code is posted')
  t.match(response.headers.get('content-security-policy'), /script-src 'nonce-[^']+'/)
  t.match(response.headers.get('content-security-policy'), /frame-ancestors 'none'/)
})

t.test('client authentication', async (t) => {
  const { code, verifier } = await codeFor(wallet())
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  })
  const wrongSecret = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${PROJECT.publishableKey}:${PARTNER.secretKey}`).toString('base64')}`,
    },
    body,
  })
  t.equal(wrongSecret.status, 401)
  t.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client')
  t.match(wrongSecret.headers.get('www-authenticate'), /^Basic/)
  const twoMethods = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${PROJECT.publishableKey}:${PROJECT.secretKey}`).toString('base64')}`,
    },
    body: new URLSearchParams({ ...Object.fromEntries(body), client_secret: PROJECT.secretKey }),
  })
  t.equal(((await twoMethods.json()) as { error: string }).error, 'invalid_request', 'one method at a time')
  const repeated = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${body}&code=again&client_id=${PROJECT.publishableKey}`,
  })
  t.equal(((await repeated.json()) as { error: string }).error, 'invalid_request', 'a repeated parameter')
  const right = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...Object.fromEntries(body),
      client_id: PROJECT.publishableKey,
      client_secret: PROJECT.secretKey,
    }),
  })
  t.equal(right.status, 200, 'the code survived the refused attempts')
})

t.test('an access token of a revoked session no longer reads userinfo', async (t) => {
  const tokens = await session(wallet())
  const ok = await fetch(`${base}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
  t.equal(ok.status, 200)
  const revoke = await fetch(`${base}/oauth2/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: PROJECT.publishableKey, token: tokens.refresh_token }),
  })
  t.equal(revoke.status, 200)
  const after = await fetch(`${base}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
  t.equal(after.status, 401)
  t.match(after.headers.get('www-authenticate'), /error="invalid_token"/)
})

t.test('a session started with the client secret cannot be refreshed without it', async (t) => {
  const { code, verifier } = await codeFor(wallet())
  const basic = `Basic ${Buffer.from(`${PROJECT.publishableKey}:${PROJECT.secretKey}`).toString('base64')}`
  const started = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }),
  })
  const tokens = (await started.json()) as { refresh_token: string }
  const publicOnly = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
  t.equal(publicOnly.status, 401)
  t.equal(publicOnly.body.error, 'invalid_client')
  const withSecret = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
  })
  t.equal(withSecret.status, 200, 'the refused attempt did not spend the refresh token')
})
