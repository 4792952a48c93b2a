/**
 * Security review of the OAuth 2.0 / OIDC endpoints (issue 13): what the review found open.
 * Each test asserts the correct behaviour (it fails until the fix named in the review report
 * lands). Real authority over HTTP on 127.0.0.1, real secp256k1 wallets, real ES256 tokens.
 */
import { decodeJwt } from 'jose'
import t from 'tap'
import { startTestAuthority } from '../authority/support/authority.js'
import { hostedSignature, pkce } from '../authority/support/oauth.js'
import {
  authorizeParams,
  PARTNER,
  PROJECT,
  REDIRECT,
  offlineSession as session,
  startOAuthAuthority,
  wallet,
} from './support/oauth-setup.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON answers
type Json = any

async function form(base: string, path: string, params: Record<string, string>) {
  const response = await fetch(`${base}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  })
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers }
}

function authorizeUrl(base: string, params: Record<string, string>): string {
  return `${base}/oauth2/authorize?${new URLSearchParams(params)}`
}

const authority = await startOAuthAuthority(t)
const base = authority.url

t.test(
  'an access token of a revoked OAuth session is refused by /auth/validate and /authz too',
  async (t) => {
    const tokens = await session(base)
    const revoke = await form(base, 'oauth2/revoke', {
      client_id: PROJECT.publishableKey,
      token: tokens.refresh_token,
    })
    t.equal(revoke.status, 200)
    const userinfo = await fetch(`${base}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    t.equal(userinfo.status, 401, 'userinfo already refuses it')

    const validate = await authority.call('POST', 'auth/validate', {
      body: { accessToken: tokens.access_token },
    })
    t.equal(validate.status, 401, '/auth/validate refuses a token whose session was revoked')
    t.equal(validate.body.code, 'access_token_invalid')

    for (const revalidate of [false, true]) {
      const authz = await authority.call('POST', 'authz', {
        body: { accessToken: tokens.access_token, revalidate },
      })
      t.equal(
        authz.status,
        401,
        `/authz (revalidate: ${revalidate}) does not mint a token for a revoked session`,
      )
      t.equal(authz.body.accessToken, undefined)
    }
  },
)

t.test('HEAD /oauth2/authorize is rate limited like GET (or not served)', async (t) => {
  const limited = await startTestAuthority({
    projects: [PROJECT],
    rateLimit: { perIp: { max: 2, windowSeconds: 60 }, perWallet: { max: 2, windowSeconds: 60 } },
  })
  t.teardown(() => limited.close())
  const { challenge } = pkce()
  const account = wallet()
  // A valid signature, taken before the authorize counters are touched (the signing-message
  // route has its own counter).
  const login = await hostedSignature(limited.url, account, PROJECT.publishableKey)
  const junk = authorizeParams(challenge, {
    walletAddress: account.address,
    signature: `0x${'11'.repeat(65)}`,
    domain: 'localhost:3000',
    uri: 'http://localhost:3000',
    issuedAt: new Date().toISOString(),
  })
  for (let i = 0; i < 5; i++) {
    await fetch(authorizeUrl(limited.url, junk), { method: 'HEAD', redirect: 'manual' })
  }
  const after = await fetch(authorizeUrl(limited.url, authorizeParams(challenge, login)), {
    method: 'HEAD',
    redirect: 'manual',
  })
  const location = after.headers.get('location') ?? ''
  t.notMatch(location, /[?&]code=/, 'no wallet login beyond the limits through HEAD')
  t.not(after.status, 302, `HEAD past the limit: ${after.status} ${location}`)
})

t.test(
  'a signature refused at authorize (requirements unmet) cannot be replayed without the requirements',
  async (t) => {
    const account = wallet()
    const { challenge } = pkce()
    const login = await hostedSignature(base, account, PROJECT.publishableKey)
    // The signature travels in the URL (history, access logs, proxies).
    const denied = await fetch(
      authorizeUrl(base, { ...authorizeParams(challenge, login), allowedWallets: `0x${'22'.repeat(20)}` }),
      { redirect: 'manual' },
    )
    const deniedAt = new URL(denied.headers.get('location') ?? 'http://invalid/')
    t.equal(deniedAt.searchParams.get('error'), 'access_denied', 'the requirement refuses the wallet')

    // Whoever saw that URL drops the requirement and brings their own PKCE challenge.
    const attacker = pkce()
    const replay = await fetch(authorizeUrl(base, authorizeParams(attacker.challenge, login)), {
      redirect: 'manual',
    })
    const replayAt = new URL(replay.headers.get('location') ?? 'http://invalid/')
    t.equal(replayAt.searchParams.get('code'), null, 'the refused signature yields no code')
    t.equal(replayAt.searchParams.get('error'), 'access_denied')
  },
)

t.test('no access token of a session outlives the session (a revoked one stays revoked)', async (t) => {
  let offset = 0
  const clocked = await startTestAuthority({ projects: [PROJECT], now: () => Date.now() + offset })
  t.teardown(() => clocked.close())
  const tokens = await session(clocked.url)
  const familyEnds = Math.floor(Date.now() / 1000) + 1_209_600 // default refreshTokenTTL
  // One hour before the family's absolute end, the client refreshes.
  offset = (1_209_600 - 3600) * 1000
  const late = await form(clocked.url, 'oauth2/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: PROJECT.publishableKey,
  })
  t.equal(late.status, 200)
  const exp = decodeJwt(late.body.access_token).exp as number
  t.ok(exp <= familyEnds + 5, `access token exp ${exp} is within the session's end ${familyEnds}`)

  const revoke = await form(clocked.url, 'oauth2/revoke', {
    client_id: PROJECT.publishableKey,
    token: late.body.refresh_token,
  })
  t.equal(revoke.status, 200)
  const userinfo = () =>
    fetch(`${clocked.url}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${late.body.access_token}` },
    }).then((r) => r.status)
  t.equal(await userinfo(), 401, 'revoked')
  offset = (1_209_600 + 60) * 1000
  t.equal(await userinfo(), 401, 'still refused once the revoked session’s record has expired')
})

t.test('a spent code replayed without its verifier does not end the session it started', async (t) => {
  const account = wallet()
  const { verifier, challenge } = pkce()
  const login = await hostedSignature(base, account, PROJECT.publishableKey)
  const response = await fetch(authorizeUrl(base, authorizeParams(challenge, login)), { redirect: 'manual' })
  const code = new URL(response.headers.get('location') ?? 'http://invalid/').searchParams.get('code') ?? ''
  const tokens = await form(base, 'oauth2/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    client_id: PROJECT.publishableKey,
  })
  t.equal(tokens.status, 200)
  // The code is in the callback URL: history, logs, Referer. Anyone can replay it, as any client.
  for (const client_id of [PARTNER.publishableKey, PROJECT.publishableKey]) {
    const replay = await form(base, 'oauth2/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://evil.example/cb',
      code_verifier: pkce().verifier,
      client_id,
    })
    t.equal(replay.body.error, 'invalid_grant', `replay as ${client_id} is refused`)
  }
  const refresh = await form(base, 'oauth2/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.body.refresh_token,
    client_id: PROJECT.publishableKey,
  })
  t.equal(refresh.status, 200, 'the legitimate session survives a replay that could not prove PKCE')
  // The client's own second use (it holds the verifier) still revokes, as RFC 6749 §4.1.2 asks.
  const again = await form(base, 'oauth2/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    client_id: PROJECT.publishableKey,
  })
  t.equal(again.body.error, 'invalid_grant')
  const afterReuse = await form(base, 'oauth2/token', {
    grant_type: 'refresh_token',
    refresh_token: refresh.body.refresh_token,
    client_id: PROJECT.publishableKey,
  })
  t.equal(afterReuse.body.error, 'invalid_grant', 'a reuse proven with the verifier revokes the session')
})
