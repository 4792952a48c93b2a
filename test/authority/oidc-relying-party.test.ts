import { createHash } from 'node:crypto'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import * as client from 'openid-client'
import { generateSigningJwk, type ProjectConfigInput } from 'picket-authority'
import t, { type Test } from 'tap'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { startRedisServer } from '../support/redis-server.js'
import {
  basicAuth,
  SIMPLE_PROJECT,
  SIWE_PROJECT,
  startTestAuthority,
  type TestAuthority,
} from './support/authority.js'
import { evmWallet } from './support/wallets.js'

/**
 * Issue 13: the authority as an OpenID Provider, driven end to end over real HTTP on loopback by
 * a certified relying party (panva's openid-client v6) — discovery, authorization code + PKCE,
 * ID token, userinfo, refresh rotation and reuse detection — plus the picket-js token request,
 * the error paths of RFC 6749 §4.1.2.1 / §5.2, token gating against a real dev chain, and the
 * Redis-backed code and session stores shared by two authorities.
 *
 * No browser: the wallet step is what the hosted login page does — POST /oauth2/signing-message,
 * sign the message (real secp256k1, viem), then GET the authorization URL with the signature.
 * The redirect URI is a loopback URL nobody listens on: the code is read from the 302 Location.
 */

const REDIRECT_URI = 'http://127.0.0.1:8914/cb'
const SCOPE = 'openid profile offline_access'

/**
 * The SIWE test project, registered as an OAuth client. The hosted login page signs for the
 * authority itself (SIWE domain = the authority's host, picked at listen time with port 0);
 * the authority accepts its own host besides `allowedDomains` (contract: "domain/uri are the
 * authority's own host/origin").
 */
const PROJECT: ProjectConfigInput = {
  ...SIWE_PROJECT,
  redirectUris: [REDIRECT_URI, 'http://localhost:8914/other'],
}
const CLIENT_ID = PROJECT.publishableKey
const SECRET = PROJECT.secretKey

const devChain = await startDevChain()
t.teardown(() => devChain.close())
const authority = await startTestAuthority({
  projects: [PROJECT, SIMPLE_PROJECT],
  chains: { localhost: { rpcUrl: devChain.rpcUrl } },
  rpcTimeout: 5000,
})
t.teardown(() => authority.close())

/** A public client (token_endpoint_auth_method `none`), configured from the discovery document. */
const publicRp = await discover(authority)
const jwks = createRemoteJWKSet(new URL(publicRp.serverMetadata().jwks_uri as string))

async function discover(server: TestAuthority): Promise<client.Configuration> {
  return client.discovery(new URL(server.issuer), CLIENT_ID, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  })
}

/** The same provider with another client authentication method. */
function relyingParty(auth: client.ClientAuth, secret?: string): client.Configuration {
  const config = new client.Configuration(publicRp.serverMetadata(), CLIENT_ID, secret, auth)
  client.allowInsecureRequests(config)
  return config
}

type WalletParams = Record<string, string>

/** What the hosted login page does: get the message to sign, sign it, return the authorize params. */
async function walletParams(
  server: TestAuthority,
  account: PrivateKeyAccount,
  options: { chain?: string; signer?: PrivateKeyAccount } = {},
): Promise<WalletParams> {
  const chain = options.chain ?? 'ethereum'
  const res = await server.call('POST', 'oauth2/signing-message', {
    body: { client_id: CLIENT_ID, walletAddress: account.address, chain },
    auth: null,
  })
  if (res.status !== 200)
    throw new Error(`signing-message answered ${res.status}: ${JSON.stringify(res.body)}`)
  const { message, context } = res.body as {
    message: string
    context: { domain: string; uri: string; issuedAt: string; chainId: number }
  }
  const signature = await (options.signer ?? account).signMessage({ message })
  return {
    walletAddress: account.address,
    signature,
    domain: context.domain,
    uri: context.uri,
    issuedAt: context.issuedAt,
    chain,
  }
}

interface AuthorizationRequest {
  url: URL
  verifier: string
  state: string
  nonce: string
}

/** The relying party's authorization URL (PKCE S256, state, nonce) plus the wallet login. */
async function authorizationRequest(
  config: client.Configuration,
  wallet: WalletParams,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...wallet,
    ...extra,
  })
  return { url, verifier, state, nonce }
}

interface AuthorizeAnswer {
  status: number
  location: URL | undefined
  contentType: string
  body: string
}

/** GETs the authorization URL as a browser would, without following the redirect. */
async function authorize(url: URL, headers: Record<string, string> = {}): Promise<AuthorizeAnswer> {
  const res = await fetch(url, { redirect: 'manual', headers })
  const location = res.headers.get('location')
  return {
    status: res.status,
    location: location === null ? undefined : new URL(location),
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
  }
}

interface Login extends AuthorizationRequest {
  /** The redirect back to the client, carrying code, state and iss. */
  callback: URL
  account: PrivateKeyAccount
}

/** A full wallet login up to the redirect back to the client (the code is not redeemed). */
async function loginToCallback(
  config: client.Configuration,
  options: {
    server?: TestAuthority
    account?: PrivateKeyAccount
    chain?: string
    extra?: Record<string, string>
  } = {},
): Promise<Login> {
  const server = options.server ?? authority
  const account = options.account ?? evmWallet()
  const wallet = await walletParams(server, account, options.chain ? { chain: options.chain } : {})
  const request = await authorizationRequest(config, wallet, options.extra)
  const answer = await authorize(request.url)
  if (answer.status !== 302 || !answer.location || answer.location.searchParams.has('error')) {
    throw new Error(`authorize answered ${answer.status} ${answer.location ?? ''}: ${answer.body}`)
  }
  return { ...request, callback: answer.location, account }
}

function redeem(config: client.Configuration, login: Login, verifier = login.verifier) {
  return client.authorizationCodeGrant(config, login.callback, {
    pkceCodeVerifier: verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  })
}

interface OAuthFailure {
  status: number
  error: string | undefined
  body: Record<string, unknown>
  challenge: string | null
}

/** The OAuth error an openid-client call rejected with (ResponseBodyError or a 401 challenge). */
async function oauthFailure(promise: Promise<unknown>): Promise<OAuthFailure> {
  try {
    await promise
  } catch (error) {
    if (error instanceof client.ResponseBodyError) {
      return {
        status: error.status,
        error: error.error,
        body: error.cause as Record<string, unknown>,
        challenge: error.response.headers.get('www-authenticate'),
      }
    }
    if (error instanceof client.WWWAuthenticateChallengeError) {
      // A 401 with WWW-Authenticate: openid-client leaves the body unread.
      const text = await error.response.text()
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {}
      return {
        status: error.status,
        error: typeof body.error === 'string' ? body.error : error.cause[0]?.parameters.error,
        body,
        challenge: error.response.headers.get('www-authenticate'),
      }
    }
    throw error
  }
  throw new Error('expected the request to fail with an OAuth error')
}

/** A raw token-endpoint request, form-encoded (OIDC RPs) or JSON (picket-js). */
async function tokenRequest(
  server: TestAuthority,
  params: Record<string, string>,
  options: { json?: boolean; authorization?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {
    'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  if (options.authorization) headers.authorization = options.authorization
  const res = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers,
    body: options.json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

/** RFC 6749 §4.1.2 / RFC 9207: back at the registered redirect URI with state and iss. */
function assertCallback(
  t: Test,
  callback: URL | undefined,
  expected: { state: string; error?: string; issuer?: string },
) {
  t.ok(callback, 'redirected')
  if (!callback) return
  t.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI, 'to the registered redirect URI')
  t.equal(callback.searchParams.get('state'), expected.state, 'state echoed byte for byte')
  t.equal(callback.searchParams.get('iss'), expected.issuer ?? authority.issuer, 'iss (RFC 9207)')
  if (expected.error) {
    t.equal(callback.searchParams.get('error'), expected.error)
    t.equal(callback.searchParams.get('code'), null, 'no code with an error')
  } else {
    t.match(callback.searchParams.get('code'), /^[A-Za-z0-9_-]{20,}$/, 'a code')
  }
}

const seconds = () => Math.floor(Date.now() / 1000)

t.test('discovery document: the fields of the contract, accepted by openid-client', async (t) => {
  const res = await fetch(`${authority.url}/.well-known/openid-configuration`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/json/)
  const doc = (await res.json()) as Record<string, unknown>
  t.equal(doc.issuer, authority.issuer)
  t.equal(doc.authorization_endpoint, `${authority.url}/oauth2/authorize`)
  t.equal(doc.token_endpoint, `${authority.url}/oauth2/token`)
  t.equal(doc.userinfo_endpoint, `${authority.url}/oauth2/userinfo`)
  t.equal(doc.jwks_uri, `${authority.url}/.well-known/jwks.json`)
  t.equal(doc.revocation_endpoint, `${authority.url}/oauth2/revoke`)
  t.same(doc.response_types_supported, ['code'])
  t.same(doc.response_modes_supported, ['query', 'web_message'])
  t.same(
    [...(doc.grant_types_supported as string[])].sort(),
    ['authorization_code', 'refresh_token'],
    'grant_types_supported',
  )
  t.same(doc.code_challenge_methods_supported, ['S256'])
  t.same([...(doc.token_endpoint_auth_methods_supported as string[])].sort(), [
    'client_secret_basic',
    'client_secret_post',
    'none',
  ])
  t.match(doc.scopes_supported, Array)
  for (const scope of ['openid', 'profile', 'offline_access']) {
    t.ok((doc.scopes_supported as string[]).includes(scope), `scopes_supported has ${scope}`)
  }
  t.same(doc.id_token_signing_alg_values_supported, ['ES256'])
  t.equal(doc.authorization_response_iss_parameter_supported, true)
  // OpenID Connect Discovery 1.0 §3 marks subject_types_supported REQUIRED.
  t.ok(
    Array.isArray(doc.subject_types_supported) &&
      (doc.subject_types_supported as string[]).includes('public'),
    'subject_types_supported (OIDC Discovery §3: REQUIRED) includes public',
  )

  const metadata = publicRp.serverMetadata()
  t.equal(metadata.issuer, authority.issuer, 'openid-client discovered the issuer')
  t.ok(metadata.supportsPKCE('S256'), 'openid-client sees S256 PKCE support')
  t.notOk(metadata.supportsPKCE('plain'))

  const keys = (await (await fetch(metadata.jwks_uri as string)).json()) as {
    keys: Record<string, unknown>[]
  }
  t.ok(keys.keys.length >= 1, 'jwks has keys')
  for (const key of keys.keys) {
    t.equal(key.kty, 'EC')
    t.equal(key.crv, 'P-256')
    t.type(key.kid, 'string')
    t.notOk('d' in key, 'no private part published')
  }
})

t.test('hosted login: without a signature, authorize answers the wallet login page', async (t) => {
  const request = await authorizationRequest(publicRp, {})
  const page = await authorize(request.url, { accept: 'text/html' })
  t.equal(page.status, 200)
  t.match(page.contentType, /text\/html/)
  t.equal(page.location, undefined)
  t.match(page.body, /signing-message/, 'the page asks the authority for the message to sign')

  // What the page signs: a SIWE message for the authority itself, with a live nonce.
  const wallet = evmWallet()
  for (const [chain, chainId] of [
    ['ethereum', 1],
    ['localhost', 1337],
  ] as const) {
    const res = await authority.call('POST', 'oauth2/signing-message', {
      body: { client_id: CLIENT_ID, walletAddress: wallet.address, chain },
      auth: null,
    })
    t.equal(res.status, 200, `${chain}: ${JSON.stringify(res.body)}`)
    const origin = new URL(authority.url).origin
    t.match(res.body, {
      message: String,
      nonce: String,
      context: { domain: new URL(origin).host, uri: origin, issuedAt: String, chainId },
    })
    t.match(
      res.body.message,
      new RegExp(`^${new URL(origin).host} wants you to sign in`),
      'SIWE for the authority',
    )
    t.ok(res.body.message.includes(wallet.address), 'names the wallet')
    t.ok(res.body.message.includes(`Nonce: ${res.body.nonce}`), 'carries the nonce')
  }
})

t.test('code + PKCE with openid-client: ID token, userinfo, refresh rotation, reuse refusal', async (t) => {
  const before = seconds()
  const login = await loginToCallback(publicRp)
  const after = seconds()
  const { account } = login
  assertCallback(t, login.callback, { state: login.state })

  const tokens = await redeem(publicRp, login)
  t.equal(tokens.token_type, 'bearer', 'Bearer (openid-client lowercases it)')
  t.type(tokens.access_token, 'string')
  t.type(tokens.refresh_token, 'string', 'offline_access: a refresh token')
  t.type(tokens.id_token, 'string', 'openid: an ID token')
  t.ok((tokens.expires_in ?? 0) > 0, 'expires_in')
  t.same(String(tokens.scope).split(' ').sort(), ['offline_access', 'openid', 'profile'])

  const sub = `ethereum:${account.address}`
  const claims = tokens.claims()
  t.ok(claims, 'claims()')
  if (!claims) return
  t.match(claims, {
    iss: authority.issuer,
    aud: CLIENT_ID,
    sub,
    nonce: login.nonce,
    chain: 'ethereum',
    walletAddress: account.address,
    displayAddress: String,
    preferred_username: String,
    sid: String,
    at_hash: String,
  })
  t.equal(claims.preferred_username, claims.displayAddress, 'profile: preferred_username = displayAddress')
  t.ok(
    typeof claims.auth_time === 'number' && claims.auth_time >= before && claims.auth_time <= after,
    'auth_time: when the wallet signed in',
  )
  t.ok(claims.exp > claims.iat, 'exp after iat')

  // openid-client trusts the TLS channel for the ID token signature; check it against the JWKS.
  const header = decodeProtectedHeader(tokens.id_token as string)
  t.equal(header.alg, 'ES256')
  t.type(header.kid, 'string')
  const verified = await jwtVerify(tokens.id_token as string, jwks, {
    issuer: authority.issuer,
    audience: CLIENT_ID,
    algorithms: ['ES256'],
  })
  t.equal(verified.payload.sub, sub, 'ID token signature verifies with the published key')
  const digest = createHash('sha256').update(tokens.access_token).digest()
  t.equal(claims.at_hash, digest.subarray(0, 16).toString('base64url'), 'at_hash (OIDC Core §3.1.3.6)')

  const access = await jwtVerify(tokens.access_token, jwks, {
    issuer: authority.issuer,
    algorithms: ['ES256'],
  })
  t.equal(access.payload.sub, sub, 'access token: same sub as the ID token')

  const userinfo = await client.fetchUserInfo(publicRp, tokens.access_token, sub)
  t.match(userinfo, {
    sub,
    chain: 'ethereum',
    walletAddress: account.address,
    displayAddress: String,
    preferred_username: String,
    tokenBalances: Object,
  })
  const posted = await fetch(`${authority.url}/oauth2/userinfo`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
  t.equal(posted.status, 200, 'userinfo answers POST too')
  t.match(await posted.json(), { sub })
  const noToken = await fetch(`${authority.url}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token.slice(0, -4)}AAAA` },
  })
  t.equal(noToken.status, 401, 'userinfo with a forged token')
  t.match(noToken.headers.get('www-authenticate'), /^Bearer\b.*error="invalid_token"/)

  // Rotation: every refresh answers a new refresh token and a fresh, valid access token.
  const refreshed = await client.refreshTokenGrant(publicRp, tokens.refresh_token as string)
  t.type(refreshed.refresh_token, 'string')
  t.not(refreshed.refresh_token, tokens.refresh_token, 'the refresh token rotated')
  t.not(refreshed.access_token, tokens.access_token, 'a new access token')
  const renewed = await jwtVerify(refreshed.access_token, jwks, { issuer: authority.issuer })
  t.equal(renewed.payload.sub, sub)
  const renewedClaims = refreshed.claims()
  if (renewedClaims) {
    t.equal(renewedClaims.sub, sub, 'a refreshed ID token names the same subject (OIDC Core §12.2)')
    t.equal(renewedClaims.auth_time, claims.auth_time, 'and keeps auth_time')
  }
  const userinfo2 = await client.fetchUserInfo(publicRp, refreshed.access_token, sub)
  t.equal(userinfo2.sub, sub, 'userinfo with the refreshed access token')

  const third = await client.refreshTokenGrant(publicRp, refreshed.refresh_token as string)
  t.not(third.refresh_token, refreshed.refresh_token, 'rotates again')

  // Reuse of an older refresh token: refused, and the whole family with it.
  const reuse = await oauthFailure(client.refreshTokenGrant(publicRp, tokens.refresh_token as string))
  t.equal(reuse.status, 400)
  t.equal(reuse.error, 'invalid_grant', 'reusing a rotated refresh token is invalid_grant')
  t.match(reuse.body, {
    error: 'invalid_grant',
    error_description: String,
    code: 'invalid_grant',
    msg: String,
  })
  const newest = await oauthFailure(client.refreshTokenGrant(publicRp, third.refresh_token as string))
  t.equal(newest.error, 'invalid_grant', 'the newest refresh token of the family is revoked too')

  // The access tokens of the session carry its id (sid): userinfo refuses them once it is revoked.
  const revoked = await oauthFailure(client.fetchUserInfo(publicRp, third.access_token, sub))
  t.equal(revoked.status, 401, 'userinfo with an access token of a revoked session')
  t.equal(revoked.error, 'invalid_token')
  t.match(revoked.challenge, /^Bearer\b.*error="invalid_token"/)
})

t.test('wrong code_verifier: invalid_grant, and the code is not spent (PKCE checked first)', async (t) => {
  const login = await loginToCallback(publicRp)
  const wrong = await oauthFailure(redeem(publicRp, login, client.randomPKCECodeVerifier()))
  t.equal(wrong.status, 400)
  t.equal(wrong.error, 'invalid_grant')

  const tokens = await redeem(publicRp, login)
  t.equal(tokens.claims()?.sub, `ethereum:${login.account.address}`, 'the right verifier still redeems it')

  const noVerifier = await loginToCallback(publicRp)
  const res = await tokenRequest(authority, {
    grant_type: 'authorization_code',
    code: noVerifier.callback.searchParams.get('code') as string,
    redirect_uri: REDIRECT_URI,
    client_id: CLIENT_ID,
  })
  t.equal(res.status, 400, 'no code_verifier at all')
  t.match(res.body.error, /^invalid_(grant|request)$/)
  const other = await tokenRequest(authority, {
    grant_type: 'authorization_code',
    code: noVerifier.callback.searchParams.get('code') as string,
    redirect_uri: 'http://localhost:8914/other',
    code_verifier: noVerifier.verifier,
    client_id: CLIENT_ID,
  })
  t.equal(other.status, 400, 'redirect_uri must equal the authorization request’s (RFC 6749 §4.1.3)')
  t.equal(other.body.error, 'invalid_grant')
})

t.test('code reuse: invalid_grant, and the session made from the code is revoked', async (t) => {
  const login = await loginToCallback(publicRp)
  const tokens = await redeem(publicRp, login)
  t.type(tokens.refresh_token, 'string')

  const again = await oauthFailure(redeem(publicRp, login))
  t.equal(again.status, 400)
  t.equal(again.error, 'invalid_grant', 'a code is single use (RFC 6749 §4.1.2)')

  const revoked = await oauthFailure(client.refreshTokenGrant(publicRp, tokens.refresh_token as string))
  t.equal(revoked.error, 'invalid_grant', 'the refresh family of the first redemption is revoked')
  const userinfo = await oauthFailure(
    client.fetchUserInfo(publicRp, tokens.access_token, `ethereum:${login.account.address}`),
  )
  t.equal(userinfo.status, 401, 'and its access token no longer answers userinfo')
})

t.test('redirect_uri not registered or unknown client: 400, never a redirect', async (t) => {
  const wallet = await walletParams(authority, evmWallet())
  const cases: [string, Record<string, string>][] = [
    ['a trailing slash', { redirect_uri: `${REDIRECT_URI}/` }],
    ['an added query', { redirect_uri: `${REDIRECT_URI}?next=1` }],
    ['another host', { redirect_uri: 'https://evil.example/cb' }],
    ['an unknown client_id', { client_id: 'pk_unknown_client' }],
    ['a secret key as client_id', { client_id: SECRET }],
  ]
  for (const [name, extra] of cases) {
    const request = await authorizationRequest(publicRp, wallet, extra)
    const json = await authorize(request.url, { accept: 'application/json' })
    t.equal(json.status, 400, `${name}: 400`)
    t.equal(json.location, undefined, `${name}: no Location header`)
    t.match(json.contentType, /application\/json/, `${name}: JSON for a non-HTML Accept`)
    const body = JSON.parse(json.body) as Record<string, unknown>
    t.match(body, {
      error: /^invalid_(request|client)$/,
      error_description: String,
      code: String,
      msg: String,
    })

    const html = await authorize(request.url, { accept: 'text/html,application/xhtml+xml' })
    t.equal(html.status, 400, `${name}: 400 for a browser`)
    t.equal(html.location, undefined, `${name}: no Location header for a browser`)
    t.match(html.contentType, /text\/html/, `${name}: an HTML page for a browser`)
  }

  // A project without redirectUris cannot use /oauth2/authorize; the error names the field.
  const simple = new URL(`${authority.url}/oauth2/authorize`)
  for (const [key, value] of Object.entries({
    client_id: SIMPLE_PROJECT.publishableKey,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: 'abc',
  })) {
    simple.searchParams.set(key, value)
  }
  const noUris = await authorize(simple, { accept: 'application/json' })
  t.equal(noUris.status, 400)
  t.equal(noUris.location, undefined)
  t.match(noUris.body, /redirectUris/, 'the error names redirectUris')
})

t.test('other authorization errors go back to the client with error, state and iss', async (t) => {
  const wallet = () => walletParams(authority, evmWallet())

  const missing = await authorizationRequest(publicRp, {})
  missing.url.searchParams.delete('code_challenge')
  missing.url.searchParams.delete('code_challenge_method')
  const noChallenge = await authorize(missing.url)
  t.equal(noChallenge.status, 302, 'missing code_challenge: a redirect, not the login page')
  assertCallback(t, noChallenge.location, { state: missing.state, error: 'invalid_request' })
  t.type(noChallenge.location?.searchParams.get('error_description'), 'string')

  const plainVerifier = client.randomPKCECodeVerifier()
  const plain = await authorizationRequest(publicRp, await wallet(), {
    code_challenge: plainVerifier,
    code_challenge_method: 'plain',
  })
  const plainAnswer = await authorize(plain.url)
  t.equal(plainAnswer.status, 302)
  assertCallback(t, plainAnswer.location, { state: plain.state, error: 'invalid_request' })

  const noMethod = await authorizationRequest(publicRp, await wallet())
  noMethod.url.searchParams.delete('code_challenge_method')
  const noMethodAnswer = await authorize(noMethod.url)
  assertCallback(t, noMethodAnswer.location, { state: noMethod.state, error: 'invalid_request' })

  const token = await authorizationRequest(publicRp, await wallet(), { response_type: 'token' })
  const tokenAnswer = await authorize(token.url)
  assertCallback(t, tokenAnswer.location, { state: token.state, error: 'unsupported_response_type' })

  // A signature by another key over the wallet's message: access_denied, not a code.
  const victim = evmWallet()
  const forged = await authorizationRequest(
    publicRp,
    await walletParams(authority, victim, { signer: evmWallet() }),
  )
  const forgedAnswer = await authorize(forged.url)
  t.equal(forgedAnswer.status, 302)
  assertCallback(t, forgedAnswer.location, { state: forged.state, error: 'access_denied' })
  if (forgedAnswer.location) {
    const seen = await client
      .authorizationCodeGrant(publicRp, forgedAnswer.location, {
        pkceCodeVerifier: forged.verifier,
        expectedState: forged.state,
        expectedNonce: forged.nonce,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    t.ok(seen instanceof client.AuthorizationResponseError, 'openid-client reports the error response')
    t.equal((seen as client.AuthorizationResponseError).error, 'access_denied')
  }

  const silent = await authorizationRequest(publicRp, {}, { prompt: 'none' })
  const silentAnswer = await authorize(silent.url)
  assertCallback(t, silentAnswer.location, { state: silent.state, error: 'login_required' })
})

t.test(
  'confidential client: client_secret_basic and client_secret_post; a wrong secret is 401',
  async (t) => {
    const basicRp = relyingParty(client.ClientSecretBasic(SECRET), SECRET)
    const basicLogin = await loginToCallback(basicRp)
    const wrongBasic = await oauthFailure(
      redeem(relyingParty(client.ClientSecretBasic('sk_wrong'), 'sk_wrong'), basicLogin),
    )
    t.equal(wrongBasic.status, 401, 'wrong secret (Basic): 401')
    t.equal(wrongBasic.error, 'invalid_client')
    t.match(wrongBasic.challenge, /^Basic\b/i, 'with a Basic challenge (RFC 6749 §5.2)')
    const basicTokens = await redeem(basicRp, basicLogin)
    t.equal(
      basicTokens.claims()?.aud,
      CLIENT_ID,
      'client_secret_basic works (a failed client auth spent nothing)',
    )
    const basicRefresh = await client.refreshTokenGrant(basicRp, basicTokens.refresh_token as string)
    t.not(basicRefresh.refresh_token, basicTokens.refresh_token, 'and refreshes')

    const postRp = relyingParty(client.ClientSecretPost(SECRET), SECRET)
    const postLogin = await loginToCallback(postRp)
    const wrongPost = await oauthFailure(
      redeem(relyingParty(client.ClientSecretPost('sk_wrong'), 'sk_wrong'), postLogin),
    )
    t.equal(wrongPost.status, 401, 'wrong secret (post): 401')
    t.equal(wrongPost.error, 'invalid_client')
    const postTokens = await redeem(postRp, postLogin)
    t.equal(postTokens.claims()?.sub, `ethereum:${postLogin.account.address}`, 'client_secret_post works')

    // A refresh token is bound to its client: another client's credentials cannot use it.
    const stranger = await tokenRequest(
      authority,
      { grant_type: 'refresh_token', refresh_token: postTokens.refresh_token as string },
      { authorization: basicAuth.node(SIMPLE_PROJECT.publishableKey) },
    )
    t.equal(stranger.status, 400, 'refresh by another client')
    t.equal(stranger.body.error, 'invalid_grant')
  },
)

t.test('picket-js token request: JSON, Basic with two spaces and no colon; the union answer', async (t) => {
  const login = await loginToCallback(publicRp, { extra: { response_mode: 'code' } })
  const res = await tokenRequest(
    authority,
    {
      grant_type: 'authorization_code',
      code_verifier: login.verifier,
      code: login.callback.searchParams.get('code') as string,
      redirect_uri: REDIRECT_URI,
    },
    { json: true, authorization: basicAuth.js(CLIENT_ID) },
  )
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.match(res.headers.get('cache-control'), /no-store/)
  const body = res.body
  t.match(body, {
    access_token: String,
    token_type: 'Bearer',
    expires_in: Number,
    refresh_token: String,
    scope: String,
    id_token: String,
    accessToken: String,
    tokenType: 'Bearer',
    expiresIn: Number,
    refreshToken: String,
    user: { chain: 'ethereum', walletAddress: login.account.address, displayAddress: String },
  })
  t.equal(body.accessToken, body.access_token)
  t.equal(body.expiresIn, body.expires_in)
  t.equal(body.refreshToken, body.refresh_token)
  t.equal(decodeJwt(body.access_token).sub, `ethereum:${login.account.address}`)

  // Refresh in both encodings: JSON as picket-js would, form-encoded as an RP does.
  const json = await tokenRequest(
    authority,
    { grant_type: 'refresh_token', refresh_token: body.refresh_token },
    { json: true, authorization: basicAuth.js(CLIENT_ID) },
  )
  t.equal(json.status, 200, JSON.stringify(json.body))
  t.match(json.body, { accessToken: String, access_token: String, refresh_token: String, user: Object })
  const form = await tokenRequest(authority, {
    grant_type: 'refresh_token',
    refresh_token: json.body.refresh_token,
    client_id: CLIENT_ID,
  })
  t.equal(form.status, 200, JSON.stringify(form.body))
  t.not(form.body.refresh_token, json.body.refresh_token)

  const unsupported = await tokenRequest(authority, { grant_type: 'password', client_id: CLIENT_ID })
  t.equal(unsupported.status, 400)
  t.equal(unsupported.body.error, 'unsupported_grant_type')
})

t.test('revocation (RFC 7009): revoking a refresh token ends its family', async (t) => {
  const tokens = await redeem(publicRp, await loginToCallback(publicRp))
  const refreshed = await client.refreshTokenGrant(publicRp, tokens.refresh_token as string)
  await client.tokenRevocation(publicRp, refreshed.refresh_token as string)
  const after = await oauthFailure(client.refreshTokenGrant(publicRp, refreshed.refresh_token as string))
  t.equal(after.error, 'invalid_grant', 'a revoked refresh token is refused')
  await client.tokenRevocation(publicRp, 'not-a-token-of-ours')
  t.pass('an unknown token is a 200 too')
})

t.test('token gating: the session cannot outlive the tokens it was granted for', async (t) => {
  const erc721 = await devChain.deployERC721()
  const erc20 = await devChain.deployERC20({ decimals: 6 })
  const nobody = evmWallet()

  t.test(
    'ERC-721: refresh after the NFT was sold is invalid_grant, and the family stays revoked',
    async (t) => {
      const key = generatePrivateKey()
      const holder = privateKeyToAccount(key)
      await devChain.setBalance(holder.address, 10n ** 18n)
      await devChain.mintERC721(erc721, holder.address, 1n)

      const login = await loginToCallback(publicRp, {
        account: holder,
        chain: 'localhost',
        extra: { contractAddress: erc721 },
      })
      const tokens = await redeem(publicRp, login)
      const sub = `localhost:${holder.address}`
      t.match(tokens.claims(), { sub, chain: 'localhost', walletAddress: holder.address })
      const userinfo = await client.fetchUserInfo(publicRp, tokens.access_token, sub)
      t.same(userinfo.tokenBalances, { contractAddress: { [erc721]: '1' } })

      const stillHolding = await client.refreshTokenGrant(publicRp, tokens.refresh_token as string)
      t.type(stillHolding.refresh_token, 'string', 'refresh while holding: the chain is re-read and passes')

      await devChain.transferERC721(erc721, key, nobody.address, 1n)
      const sold = await oauthFailure(
        client.refreshTokenGrant(publicRp, stillHolding.refresh_token as string),
      )
      t.equal(sold.status, 400)
      t.equal(sold.error, 'invalid_grant', 'the wallet no longer holds the NFT')

      await devChain.mintERC721(erc721, holder.address, 2n)
      const back = await oauthFailure(
        client.refreshTokenGrant(publicRp, stillHolding.refresh_token as string),
      )
      t.equal(back.error, 'invalid_grant', 'the family was revoked: holding again needs a new login')
    },
  )

  t.test('ERC-20 with minTokenBalance: the minimum granted at login is re-checked', async (t) => {
    const key = generatePrivateKey()
    const holder = privateKeyToAccount(key)
    await devChain.setBalance(holder.address, 10n ** 18n)
    await devChain.mintERC20(erc20, holder.address, 2_500_000n) // 2.5 tokens

    const login = await loginToCallback(publicRp, {
      account: holder,
      chain: 'localhost',
      extra: { contractAddress: erc20, minTokenBalance: '2' },
    })
    const tokens = await redeem(publicRp, login)
    const refreshed = await client.refreshTokenGrant(publicRp, tokens.refresh_token as string)
    t.type(refreshed.refresh_token, 'string', '2.5 ≥ 2: refresh passes')

    await devChain.transferERC20(erc20, key, nobody.address, 1_000_000n) // 1.5 left
    const below = await oauthFailure(client.refreshTokenGrant(publicRp, refreshed.refresh_token as string))
    t.equal(below.error, 'invalid_grant', '1.5 < 2: the session ends')
  })

  t.test('requirements unmet at login: access_denied back to the client', async (t) => {
    const request = await authorizationRequest(
      publicRp,
      await walletParams(authority, evmWallet(), { chain: 'localhost' }),
      { contractAddress: erc20 },
    )
    const answer = await authorize(request.url)
    t.equal(answer.status, 302)
    assertCallback(t, answer.location, { state: request.state, error: 'access_denied' })
  })
})

t.test('Redis stores: codes and refresh families shared by two authorities', async (t) => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const signingKey = await generateSigningJwk()
  const options = { projects: [PROJECT], redisUrl: redis.url, signingKey }
  const a = await startTestAuthority(options)
  t.teardown(() => a.close())
  const b = await startTestAuthority(options)
  t.teardown(() => b.close())
  const rpA = await discover(a)

  // Rotation and reuse refusal through openid-client against one Redis-backed authority.
  const login = await loginToCallback(rpA, { server: a })
  const tokens = await redeem(rpA, login)
  const refreshed = await client.refreshTokenGrant(rpA, tokens.refresh_token as string)
  t.not(refreshed.refresh_token, tokens.refresh_token, 'rotated')
  const reuse = await oauthFailure(client.refreshTokenGrant(rpA, tokens.refresh_token as string))
  t.equal(reuse.error, 'invalid_grant', 'reuse refused')
  const newest = await oauthFailure(client.refreshTokenGrant(rpA, refreshed.refresh_token as string))
  t.equal(newest.error, 'invalid_grant', 'family revoked')

  // The state lives in Redis, not in one process: a code from A is redeemed at B, the family
  // it starts rotates at A, and B then sees the rotation (reuse) and A the revocation.
  const second = await loginToCallback(rpA, { server: a })
  const atB = await tokenRequest(b, {
    grant_type: 'authorization_code',
    code: second.callback.searchParams.get('code') as string,
    redirect_uri: REDIRECT_URI,
    code_verifier: second.verifier,
    client_id: CLIENT_ID,
  })
  t.equal(atB.status, 200, `B redeems A's code: ${JSON.stringify(atB.body)}`)
  const replayAtA = await oauthFailure(redeem(rpA, second))
  t.equal(replayAtA.error, 'invalid_grant', 'A knows the code was redeemed at B')
  // The replay revoked the family B started (code reuse rule): start a third session instead.
  const third = await loginToCallback(rpA, { server: a })
  const thirdAtB = await tokenRequest(b, {
    grant_type: 'authorization_code',
    code: third.callback.searchParams.get('code') as string,
    redirect_uri: REDIRECT_URI,
    code_verifier: third.verifier,
    client_id: CLIENT_ID,
  })
  t.equal(thirdAtB.status, 200)
  const rotatedAtA = await client.refreshTokenGrant(rpA, thirdAtB.body.refresh_token)
  t.type(rotatedAtA.refresh_token, 'string', "A rotates B's family")
  const staleAtB = await tokenRequest(b, {
    grant_type: 'refresh_token',
    refresh_token: thirdAtB.body.refresh_token,
    client_id: CLIENT_ID,
  })
  t.equal(staleAtB.status, 400)
  t.equal(staleAtB.body.error, 'invalid_grant', 'B sees the rotation made at A: reuse')
  const revokedAtA = await oauthFailure(client.refreshTokenGrant(rpA, rotatedAtA.refresh_token as string))
  t.equal(revokedAtA.error, 'invalid_grant', 'A sees the revocation made at B')

  // And the code-reuse revocation of the second session reached the family at B.
  const secondFamily = await tokenRequest(b, {
    grant_type: 'refresh_token',
    refresh_token: atB.body.refresh_token,
    client_id: CLIENT_ID,
  })
  t.equal(secondFamily.body.error, 'invalid_grant', 'the family of a replayed code is revoked')
})
