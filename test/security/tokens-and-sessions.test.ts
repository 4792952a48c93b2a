/**
 * Tokens and sessions (issue 10, items 7–10), against the real stack (bundled authority, an
 * in-process EVM, real wallets), a real Redis for the shared revocation list, and a JWKS
 * endpoint of our own whose keys the test changes:
 *
 *   item 7: one token, one spelling: the 15 other base64url spellings of a signature and its
 *           high-s twin are refused before the cache and before any API call; a revalidate route
 *           does not read the chain again for the token it just handed out;
 *   item 8: logout in cookie mode checks Origin, and revokes the token it ends;
 *   item 9: the issuer never comes from the Host header;
 *   item 10: a key removed from the JWKS stops verifying within `verify.maxAge`, cached tokens
 *           signed with it included.
 */
import cookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { createRedisRevocationList, type PicketPluginOptions } from 'fastify-picket'
import { decodeJwt } from 'jose'
import { createAuthority } from 'picket-authority'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import { COMPACT_JWS } from '../../packages/core/src/core/bearer-token.js'
import { appRedisClient, startRedisServer } from '../support/redis-server.js'
import { DOMAIN, PROJECT, startStack } from '../support/stack.js'
import { AUDIENCE, claimsFor, createSigningKey, ISSUER, mintToken } from '../support/token-factory.js'

const stack = await startStack()
t.teardown(() => stack.close())
const redis = await startRedisServer()
t.teardown(() => redis.stop())

const local = { verify: { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer } }
async function app(extra: Partial<PicketPluginOptions> = {}): Promise<FastifyInstance> {
  const server = Fastify()
  await server.register(cookie)
  await server.register(picket, {
    client: stack.client,
    chain: 'localhost',
    allowedDomains: [DOMAIN],
    ...extra,
  })
  server.get('/me', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser!.walletAddress,
  }))
  server.get(
    '/live',
    { config: { picket: { requirements: { contractAddress: stack.pass }, revalidate: true } } },
    async () => ({ ok: true }),
  )
  t.teardown(() => server.close())
  return server
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** The 15 other spellings of the same signature bytes (the last character's unused bits). */
function spellings(token: string): string[] {
  const last = BASE64URL.indexOf(token.at(-1)!)
  const out: string[] = []
  for (let bits = 1; bits < 16; bits++) out.push(token.slice(0, -1) + BASE64URL[last | bits]!)
  return out
}

/** The same token with the other valid ECDSA signature (r, n − s). */
function highS(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const bytes = Buffer.from(signature, 'base64url')
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`)
  const twin = Buffer.concat([
    bytes.subarray(0, 32),
    Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'),
  ])
  return `${header}.${payload}.${twin.toString('base64url')}`
}

t.test('item 7: other spellings of a token are refused before the cache and the API', async (t) => {
  const login = await stack.login(stack.holder)
  const variants = [...spellings(login.accessToken), highS(login.accessToken)]
  t.equal(variants.length, 16)
  for (const variant of variants) t.match(variant, COMPACT_JWS, 'each is a well-formed compact JWS')
  for (const mode of ['local', 'remote'] as const) {
    const server = await app(mode === 'local' ? local : {})
    t.equal((await server.inject({ url: '/me', headers: bearer(login.accessToken) })).statusCode, 200, mode)
    const before = stack.calls.get('/auth/validate') ?? 0
    for (const variant of variants) {
      const res = await server.inject({ url: '/me', headers: bearer(variant) })
      t.equal(res.statusCode, 401, `${mode}: a variant is refused`)
    }
    t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 0, `${mode}: no variant reached the API`)
  }
  for (const variant of [spellings(login.accessToken)[0]!, highS(login.accessToken)]) {
    const refused = await stack.client.validate(variant).catch((error) => error)
    t.equal(refused.status, 401, 'the authority refuses them too')
  }
})

t.test('item 7: a revalidate route does not read the chain again for the token it handed out', async (t) => {
  const server = await app({ ...local, revalidateCache: { ttl: 60_000 } })
  const login = await stack.login(stack.holder)
  const before = stack.calls.get('/authz') ?? 0
  const first = await server.inject({ url: '/live', headers: bearer(login.accessToken) })
  t.equal(first.statusCode, 200)
  const handed = first.headers['picket-access-token'] as string
  t.type(handed, 'string', 'a new token was handed out')
  for (let i = 0; i < 5; i++) {
    const again = await server.inject({ url: '/live', headers: bearer(handed) })
    t.equal(again.statusCode, 200)
    t.notOk(again.headers['picket-access-token'], 'it is the current token: nothing new to hand out')
  }
  t.equal((stack.calls.get('/authz') ?? 0) - before, 1, 'one chain read, not one per request')
})

t.test('item 8: logout checks Origin in cookie mode and revokes the token it ends', async (t) => {
  const list = createRedisRevocationList({ redis: appRedisClient(redis, t) })
  const server = await app({
    ...local,
    cookie: { name: 'session', secure: false },
    revocationList: list,
    routes: { setCookie: true, rateLimit: false },
  })
  const body = await stack.signedLoginBody(stack.holder)
  const login = await server.inject({ method: 'POST', url: '/auth/login', payload: body })
  t.equal(login.statusCode, 200)
  const token = login.json().accessToken as string
  const session = { session: token }
  t.equal((await server.inject({ url: '/me', cookies: session })).statusCode, 200)

  const noOrigin = await server.inject({ method: 'POST', url: '/auth/logout', cookies: session })
  t.equal(noOrigin.statusCode, 403, 'without Origin')
  const evil = await server.inject({
    method: 'POST',
    url: '/auth/logout',
    cookies: session,
    headers: { origin: 'https://evil.example' },
  })
  t.equal(evil.statusCode, 403, 'from another site')
  t.equal(
    (await server.inject({ url: '/me', cookies: session })).statusCode,
    200,
    'the session survived both',
  )

  const out = await server.inject({
    method: 'POST',
    url: '/auth/logout',
    cookies: session,
    headers: { origin: `http://${DOMAIN}` },
  })
  t.same(out.json(), { loggedOut: true, revoked: true })
  t.match(out.headers['set-cookie'], /session=;/)
  const replay = await server.inject({ url: '/me', headers: bearer(token) })
  t.equal(replay.statusCode, 401, 'the token is revoked, not only the cookie cleared')
  t.match(replay.json().message, /revoked/)

  // The revoked token can still be shown to the API, which knows nothing of this list: a new
  // token minted from it belongs to the same session (`sid`), and the session is what was revoked.
  const browser = new PicketClient(PROJECT.publishableKey, { baseURL: stack.authority.url })
  const derived = await browser.authz({
    accessToken: token,
    requirements: { allowedWallets: [stack.holder.address] },
    revalidate: true,
  })
  t.not(derived.accessToken, token, 'the API minted another token')
  t.equal(decodeJwt(derived.accessToken).sid, decodeJwt(token).sid, 'of the same session')
  t.equal(
    (await server.inject({ url: '/me', headers: bearer(derived.accessToken) })).statusCode,
    401,
    'refused too',
  )
  const other = await server.inject({
    method: 'POST',
    url: '/auth/login',
    payload: await stack.signedLoginBody(stack.holder),
  })
  t.equal(
    (await server.inject({ url: '/me', headers: bearer(other.json().accessToken) })).statusCode,
    200,
    'a new login is a new session',
  )
})

t.test('item 9: the issuer never comes from the Host header', async (t) => {
  t.throws(() => createAuthority({ projects: [PROJECT], warn: () => {} }), {
    message: /issuer is required when the authority is mounted/,
  })
  const discovery = await fetch(`${stack.authority.url}/.well-known/openid-configuration`, {
    headers: { host: 'evil.example' },
  })
  const document = (await discovery.json()) as { issuer: string; jwks_uri: string }
  t.equal(document.issuer, stack.authority.issuer)
  t.equal(document.jwks_uri, `${stack.authority.issuer}/.well-known/jwks.json`)
})

/**
 * A JWKS endpoint whose keys the test sets (`keys.published`), counting its fetches, and a
 * plugin app verifying against it (tokens from test/support/token-factory.ts).
 */
async function keyRotationSetup(t: Test, verify: { maxAge?: number; cooldown?: number }) {
  const keys = { published: [] as object[], fetches: 0 }
  const jwks = Fastify()
  jwks.get('/jwks.json', async () => {
    keys.fetches++
    return { keys: keys.published }
  })
  await jwks.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => jwks.close())
  const server = Fastify()
  await server.register(picket, {
    apiKey: 'sk_unused',
    baseURL: 'http://127.0.0.1:9/api/v1',
    verify: {
      jwks: `http://127.0.0.1:${(jwks.server.address() as { port: number }).port}/jwks.json`,
      audience: AUDIENCE,
      issuer: ISSUER,
      ...verify,
    },
  })
  server.get('/me', { config: { picket: true } }, async () => ({ ok: true }))
  t.teardown(() => server.close())
  return { keys, server }
}

t.test('item 10: a key removed from the JWKS stops working within verify.maxAge', async (t) => {
  const [first, second] = [await createSigningKey('first'), await createSigningKey('second')]
  const maxAge = 1000
  const { keys, server } = await keyRotationSetup(t, { maxAge })
  keys.published = [first.publicJwk, second.publicJwk]
  await server.ready()

  const cached = await mintToken(first, claimsFor())
  const fresh = await mintToken(first, claimsFor())
  const other = await mintToken(second, claimsFor())
  t.equal(
    (await server.inject({ url: '/me', headers: bearer(cached) })).statusCode,
    200,
    'cached while published',
  )
  keys.published = [second.publicJwk]
  const removedAt = Date.now()
  let status = 200
  while (status === 200 && Date.now() - removedAt < maxAge * 5) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    status = (await server.inject({ url: '/me', headers: bearer(cached) })).statusCode
  }
  const window = Date.now() - removedAt
  t.equal(status, 401, 'the cached token signed with the removed key is refused')
  t.ok(window <= maxAge + 1000, `within maxAge (${window} ms ≤ ${maxAge} + 1000 ms)`)
  t.equal(
    (await server.inject({ url: '/me', headers: bearer(fresh) })).statusCode,
    401,
    'a new token signed with it too',
  )
  t.equal(
    (await server.inject({ url: '/me', headers: bearer(other) })).statusCode,
    200,
    'the remaining key works',
  )
})

t.test('item 10: a key published since the last fetch is picked up at once, not refused', async (t) => {
  const [known, rotated, random] = [
    await createSigningKey('known'),
    await createSigningKey('rotated'),
    await createSigningKey('random'),
  ]
  const { keys, server } = await keyRotationSetup(t, { cooldown: 30_000 })
  keys.published = [known.publicJwk]
  await server.ready() // fetches the key set: jose now holds off refetching for 30 s
  keys.published = [known.publicJwk, rotated.publicJwk]
  const token = await mintToken(rotated, claimsFor())
  const res = await server.inject({ url: '/me', headers: bearer(token) })
  t.equal(res.statusCode, 200, 'a rotation does not sign users out (a 401 would mean "log in again")')
  // Unknown kids cost at most one fetch per cooldown.
  const before = keys.fetches
  for (let i = 0; i < 10; i++) {
    const forged = await mintToken(random, claimsFor())
    t.equal((await server.inject({ url: '/me', headers: bearer(forged) })).statusCode, 401)
  }
  t.ok(keys.fetches - before <= 1, `ten unknown kids, ${keys.fetches - before} fetch(es)`)
})
