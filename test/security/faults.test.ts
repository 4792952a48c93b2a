/**
 * Upstream faults (issue 6): the authority down, slow, answering 500 / HTML / 429, the JWKS
 * down before and after warm-up, key rotation, the chain RPC down or slow during login and
 * revalidation, and Redis restarted under the authority. Every request fails closed (503, or
 * 424 from the authority) with Retry-After where it applies, finishes within the configured
 * timeout plus a margin (measured per request: a liveness bound, not a speed test), and
 * service is normal once the dependency returns.
 */
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import picket, { type PicketPluginOptions } from 'fastify-picket'
import { type RunningAuthority, startAuthority } from 'picket-authority'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import type { PrivateKeyAccount } from 'viem/accounts'
import { prepareSiweLogin } from '../../tools/siwe-login.js'
import { localVerify } from '../support/local-verify.js'
import { startRecordingServer } from '../support/recording-server.js'
import { startRedisServer } from '../support/redis-server.js'
import { DOMAIN, PROJECT, startStack } from '../support/stack.js'
import {
  AUDIENCE,
  claimsFor,
  createSigningKey,
  ISSUER as FACTORY_ISSUER,
  mintToken,
} from '../support/token-factory.js'
import { startFaultProxy } from './support/fault-proxy.js'

/** The configured timeout of every dependency call below, and the margin a request may add. */
const TIMEOUT = 500
const BOUND = TIMEOUT + 1500

const stack = await startStack()
t.teardown(() => stack.close())
const authorityPort = Number(new URL(stack.authority.url).port)
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

interface Timed {
  statusCode: number
  headers: Record<string, unknown>
  json(): Record<string, unknown>
  ms: number
}

async function timed(app: FastifyInstance, options: InjectOptions): Promise<Timed> {
  const started = performance.now()
  const res = await app.inject(options)
  return {
    statusCode: res.statusCode,
    headers: res.headers,
    json: () => res.json(),
    ms: performance.now() - started,
  }
}

/** 503 FST_PICKET_UNAVAILABLE with a Retry-After, answered within the bound. */
function failedClosed(t: Test, res: Timed, what: string, retryAfter?: string) {
  t.equal(res.statusCode, 503, `${what}: 503 (${JSON.stringify(res.json()).slice(0, 160)})`)
  t.equal(res.json().code, 'FST_PICKET_UNAVAILABLE', `${what}: code`)
  t.match(String(res.headers['retry-after']), retryAfter ?? /^\d+$/, `${what}: Retry-After`)
  t.ok(res.ms < BOUND, `${what}: answered in ${res.ms.toFixed(0)} ms < ${BOUND} ms`)
}

async function pluginApp(
  options: Partial<PicketPluginOptions> & { client: PicketClient },
): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(picket, { chain: 'localhost', allowedDomains: [DOMAIN], routes: {}, ...options })
  app.get('/me', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser!.walletAddress,
  }))
  t.teardown(() => app.close())
  return app
}

function clientFor(baseURL: string) {
  return new PicketClient(PROJECT.secretKey, { baseURL, timeout: TIMEOUT, retry: false })
}

const nonceRequest = {
  method: 'POST',
  url: '/auth/nonce',
  payload: { walletAddress: stack.outsider.address },
} as const

t.test('the authority down, slow, then back (remote mode, helper routes)', async (t) => {
  const proxy = await startFaultProxy(authorityPort)
  t.teardown(() => proxy.close())
  const app = await pluginApp({ client: clientFor(`${proxy.origin}/api/v1`), cache: false })
  const { accessToken } = await stack.login(stack.outsider)

  t.equal((await timed(app, { url: '/me', headers: bearer(accessToken) })).statusCode, 200, 'healthy')

  await proxy.set('refuse')
  failedClosed(t, await timed(app, { url: '/me', headers: bearer(accessToken) }), 'down: gate')
  failedClosed(t, await timed(app, nonceRequest), 'down: /auth/nonce')

  await proxy.set('hang')
  failedClosed(t, await timed(app, { url: '/me', headers: bearer(accessToken) }), 'hanging: gate')
  failedClosed(t, await timed(app, nonceRequest), 'hanging: /auth/nonce')

  await proxy.set('slow', { delayMs: TIMEOUT * 3 })
  failedClosed(
    t,
    await timed(app, { url: '/me', headers: bearer(accessToken) }),
    'slow beyond the timeout: gate',
  )
  const login = await timed(app, {
    method: 'POST',
    url: '/auth/login',
    payload: await stack.signedLoginBody(stack.outsider),
  })
  failedClosed(t, login, 'slow beyond the timeout: /auth/login')

  await proxy.set('pass')
  t.equal((await timed(app, { url: '/me', headers: bearer(accessToken) })).statusCode, 200, 'recovered: gate')
  t.equal((await timed(app, nonceRequest)).statusCode, 200, 'recovered: /auth/nonce')
})

t.test('the authority answering 500, HTML, 429 with Retry-After, or resetting mid-body', async (t) => {
  const server = await startRecordingServer()
  t.teardown(() => server.close())
  const app = await pluginApp({ client: clientFor(`${server.origin}/api/v1`), cache: false })
  const { accessToken } = await stack.login(stack.outsider)
  const html = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>'
  const scripts = [
    ['500 JSON', { status: 500, json: { msg: 'boom', code: 'internal_error' } }],
    ['500 empty', { status: 500, text: '' }],
    ['200 HTML', { status: 200, text: html, headers: { 'content-type': 'text/html' } }],
    ['502 HTML', { status: 502, text: html, headers: { 'content-type': 'text/html' } }],
    ['200 JSON of the wrong shape', { status: 200, json: { hello: 'world' } }],
    [
      '429 with Retry-After: 7',
      { status: 429, json: { msg: 'slow down', code: 'rate_limited' }, headers: { 'retry-after': '7' } },
      '7',
    ],
    [
      '503 with Retry-After: 12',
      { status: 503, text: 'maintenance', headers: { 'retry-after': '12' } },
      '12',
    ],
    ['424 chain unavailable', { status: 424, json: { msg: 'chain down', code: 'chain_unavailable' } }],
    ['reset mid-body', { resetMidBody: true }],
  ] as const
  for (const [name, reply, retryAfter] of scripts) {
    server.script(reply as never)
    failedClosed(
      t,
      await timed(app, { url: '/me', headers: bearer(accessToken) }),
      `${name}: gate`,
      retryAfter,
    )
    failedClosed(t, await timed(app, nonceRequest), `${name}: /auth/nonce`, retryAfter)
  }
  // An answer that is not the API's never passes for a token: nothing above was a 2xx.
  t.ok(server.requests.length >= scripts.length * 2, `${server.requests.length} requests reached the fake`)
})

t.test('JWKS down or hanging before warm-up: 503 within the timeout, then recovery', async (t) => {
  const proxy = await startFaultProxy(authorityPort)
  t.teardown(() => proxy.close())
  const verify = {
    jwks: `${proxy.origin}/api/v1/.well-known/jwks.json`,
    audience: PROJECT.id,
    issuer: stack.authority.issuer,
    timeout: TIMEOUT,
    cooldown: 100,
  }
  const { accessToken } = await stack.login(stack.outsider)
  for (const mode of ['refuse', 'hang'] as const) {
    await proxy.set(mode)
    const app = await pluginApp({ client: stack.client, chain: 'localhost', verify, cache: false })
    failedClosed(t, await timed(app, { url: '/me', headers: bearer(accessToken) }), `JWKS ${mode}`)
    failedClosed(t, await timed(app, { url: '/me', headers: bearer(accessToken) }), `JWKS ${mode}, again`)
    await proxy.set('pass')
    t.equal(
      (await timed(app, { url: '/me', headers: bearer(accessToken) })).statusCode,
      200,
      `${mode}: recovered`,
    )
  }
})

t.test(
  'JWKS down after warm-up: known keys keep verifying (stale-if-error), nothing new passes',
  async (t) => {
    const proxy = await startFaultProxy(authorityPort)
    t.teardown(() => proxy.close())
    const app = await pluginApp({
      client: stack.client,
      chain: 'localhost',
      cache: false,
      verify: {
        jwks: `${proxy.origin}/api/v1/.well-known/jwks.json`,
        audience: PROJECT.id,
        issuer: stack.authority.issuer,
        timeout: TIMEOUT,
        cooldown: 100,
        // Keys are "old" after 200 ms, so every request below tries to refetch them.
        maxAge: 200,
      },
    })
    const first = await stack.login(stack.outsider)
    t.equal((await timed(app, { url: '/me', headers: bearer(first.accessToken) })).statusCode, 200, 'warm')

    const stranger = await createSigningKey('rotated-in-during-the-outage')
    const strangerToken = await mintToken(
      stranger,
      claimsFor({ aud: PROJECT.id, iss: stack.authority.issuer }),
    )
    for (const mode of ['refuse', 'hang'] as const) {
      await proxy.set(mode)
      await new Promise((resolve) => setTimeout(resolve, 250))
      const second = await stack.login(stack.outsider)
      for (const token of [first.accessToken, second.accessToken]) {
        const res = await timed(app, { url: '/me', headers: bearer(token) })
        t.equal(res.statusCode, 200, `JWKS ${mode}: a token of a known key still verifies`)
        t.ok(res.ms < BOUND, `JWKS ${mode}: in ${res.ms.toFixed(0)} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 150))
      const unknown = await timed(app, { url: '/me', headers: bearer(strangerToken) })
      t.ok(
        [401, 503].includes(unknown.statusCode),
        `JWKS ${mode}: an unknown kid is refused (${unknown.statusCode})`,
      )
      t.ok(unknown.ms < BOUND, `JWKS ${mode}: unknown kid answered in ${unknown.ms.toFixed(0)} ms`)
    }
    await proxy.set('pass')
    await new Promise((resolve) => setTimeout(resolve, 250))
    t.equal(
      (await timed(app, { url: '/me', headers: bearer(first.accessToken) })).statusCode,
      200,
      'recovered',
    )
  },
)

t.test('key rotation: a new kid appears; old tokens keep working until they expire', async (t) => {
  const jwks = await startRecordingServer()
  t.teardown(() => jwks.close())
  const oldKey = await createSigningKey('2024-old')
  const newKey = await createSigningKey('2025-new')
  jwks.script({ json: { keys: [oldKey.publicJwk] } })
  const app = await pluginApp({
    client: stack.client,
    chain: 'localhost',
    cache: false,
    verify: {
      jwks: jwks.url('/jwks.json'),
      audience: AUDIENCE,
      issuer: FACTORY_ISSUER,
      timeout: TIMEOUT,
      clockTolerance: 0,
      cooldown: 100,
    },
  })
  const now = Math.floor(Date.now() / 1000)
  const oldToken = await mintToken(oldKey, claimsFor())
  const oldShortLived = await mintToken(oldKey, claimsFor({ iat: now - 10, exp: now + 2 }))
  const newToken = await mintToken(newKey, claimsFor())

  t.equal((await timed(app, { url: '/me', headers: bearer(oldToken) })).statusCode, 200, 'old key')
  // Within jose's cooldown after a fetch an unknown kid is "cannot tell yet" (503); after it, a
  // refetch that still lacks the kid makes it unknown for sure.
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(
    (await timed(app, { url: '/me', headers: bearer(newToken) })).statusCode,
    401,
    'new kid not published yet',
  )

  // Rotation: the new key is published next to the old one.
  jwks.script({ json: { keys: [newKey.publicJwk, oldKey.publicJwk] } })
  await new Promise((resolve) => setTimeout(resolve, 150))
  const fetchesBefore = jwks.requests.length
  t.equal((await timed(app, { url: '/me', headers: bearer(newToken) })).statusCode, 200, 'new kid picked up')
  t.equal(jwks.requests.length - fetchesBefore, 1, 'one refetch for the unknown kid')
  t.equal(
    (await timed(app, { url: '/me', headers: bearer(oldToken) })).statusCode,
    200,
    'old tokens keep working',
  )
  t.equal(
    (await timed(app, { url: '/me', headers: bearer(oldShortLived) })).statusCode,
    200,
    'until they expire…',
  )

  // Past exp (no clock tolerance here): refused.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  t.equal((await timed(app, { url: '/me', headers: bearer(oldShortLived) })).statusCode, 401, '…then 401')
  t.equal((await timed(app, { url: '/me', headers: bearer(newToken) })).statusCode, 200, 'new key still fine')
})

/** nonce → SIWE → signature for an authority at `client`. */
function signedBody(client: PicketClient, account: PrivateKeyAccount, chainId: number) {
  return prepareSiweLogin(client, account, { chain: 'localhost', chainId, domain: DOMAIN })
}

t.test('chain RPC down or slow during login and during revalidate', async (t) => {
  const rpc = new URL(stack.chain.rpcUrl)
  const proxy = await startFaultProxy(Number(rpc.port))
  t.teardown(() => proxy.close())
  const authority: RunningAuthority = await startAuthority({
    port: 0,
    projects: [PROJECT],
    chains: { localhost: { rpcUrl: `${proxy.origin}${rpc.pathname}`, chainId: stack.chain.chainId } },
    rpcTimeout: TIMEOUT,
    // Each fault here must meet the RPC itself (424 within the timeout) and the chain must be
    // usable again at once: with a circuit breaker the repeated failures would open it (503 at
    // once, back after a cooldown), which test/authority/chains/rpc-resilience.test.ts covers.
    chainReads: { breakerFailures: 100 },
    warn: () => {},
  })
  t.teardown(() => authority.close())
  // The plugin waits longer than the authority's RPC timeout, so the authority's 424 is what it sees.
  const client = new PicketClient(PROJECT.secretKey, { baseURL: authority.url, timeout: 3000, retry: false })
  const app = Fastify()
  await app.register(picket, {
    client,
    chain: 'localhost',
    verify: localVerify(authority, PROJECT.id),
    allowedDomains: [DOMAIN],
    requirements: { contractAddress: stack.pass },
    routes: {},
    revalidateCache: { ttl: 0 },
  })
  app.get(
    '/fresh',
    { config: { picket: { requirements: { contractAddress: stack.pass }, revalidate: true } } },
    async () => ({ ok: true }),
  )
  t.teardown(() => app.close())
  const chainId = stack.chain.chainId

  // Warm: a login and a revalidation through a healthy RPC (token standard detected and cached).
  const warm = await timed(app, {
    method: 'POST',
    url: '/auth/login',
    payload: await signedBody(client, stack.holder, chainId),
  })
  t.equal(warm.statusCode, 200, 'healthy login')
  const token = warm.json().accessToken as string
  t.equal(
    (await timed(app, { url: '/fresh', headers: bearer(token) })).statusCode,
    200,
    'healthy revalidation',
  )

  for (const mode of ['refuse', 'hang'] as const) {
    await proxy.set(mode)
    const body = await signedBody(client, stack.holder, chainId)
    failedClosed(
      t,
      await timed(app, { method: 'POST', url: '/auth/login', payload: body }),
      `RPC ${mode}: login`,
    )
    failedClosed(t, await timed(app, { url: '/fresh', headers: bearer(token) }), `RPC ${mode}: revalidate`)
    // The authority itself answers 424 with {msg, code} (not 500), within its RPC timeout.
    const direct = performance.now()
    const res = await fetch(`${authority.url}/authz`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        accessToken: token,
        requirements: { contractAddress: stack.pass },
        revalidate: true,
      }),
    })
    t.equal(res.status, 424, `RPC ${mode}: the authority answers 424`)
    t.match(await res.json(), { msg: String, code: 'chain_unavailable' })
    t.ok(performance.now() - direct < BOUND, `RPC ${mode}: authority answered within the bound`)

    await proxy.set('pass')
    // The refused login left the nonce alive: the same signature works once the chain is back.
    const retried = await timed(app, { method: 'POST', url: '/auth/login', payload: body })
    t.equal(retried.statusCode, 200, `RPC back after ${mode}: the same signed login succeeds`)
    t.equal(
      (await timed(app, { url: '/fresh', headers: bearer(token) })).statusCode,
      200,
      `RPC back after ${mode}: revalidation`,
    )
  }
})

t.test('Redis restarted under the authority: nonces fail closed while it is down, then work', async (t) => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const authority = await startAuthority({
    port: 0,
    projects: [PROJECT],
    redisUrl: redis.url,
    chains: { localhost: { rpcUrl: stack.chain.rpcUrl, chainId: stack.chain.chainId } },
    warn: () => {},
  })
  t.teardown(() => authority.close())
  const client = new PicketClient(PROJECT.secretKey, {
    baseURL: authority.url,
    timeout: 10_000,
    retry: false,
  })
  const call = async (path: string, body: unknown) => {
    const started = performance.now()
    const res = await fetch(`${authority.url}/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    })
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      ms: performance.now() - started,
    }
  }
  const nonceBody = { chain: 'localhost', walletAddress: stack.holder.address }
  t.equal((await call('auth/nonce', nonceBody)).status, 200, 'healthy')
  const signed = await signedBody(client, stack.outsider, stack.chain.chainId)

  await redis.stop()
  // ioredis' connect timeout (5 s) bounds a command while Redis is away.
  const redisBound = 5000 + 1500
  for (let i = 0; i < 3; i++) {
    const res = await call('auth/nonce', nonceBody)
    t.equal(res.status, 503, `down #${i}: 503, not 500`)
    t.match(res.body, { msg: String, code: 'service_unavailable' })
    t.ok(res.ms < redisBound, `down #${i}: answered in ${res.ms.toFixed(0)} ms`)
  }
  const login = await call('auth', signed)
  t.equal(login.status, 503, 'a login while Redis is down fails closed')
  t.notOk(login.body.accessToken, 'and mints nothing')

  await redis.start()
  let recovered = 0
  for (let attempt = 0; attempt < 50 && recovered === 0; attempt++) {
    const res = await call('auth/nonce', nonceBody)
    if (res.status === 200) recovered = attempt + 1
    else await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.ok(recovered > 0, `nonces work again after the restart (attempt ${recovered})`)
  // Redis lost its data (no persistence): the old nonce is gone, a fresh login works.
  const fresh = await signedBody(client, stack.outsider, stack.chain.chainId)
  t.equal((await call('auth', fresh)).status, 200, 'a full login works after the restart')
})
