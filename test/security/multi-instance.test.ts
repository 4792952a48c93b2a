/**
 * More than one instance (issue 6). Two authorities share one real Redis (and one signing key
 * and issuer, as N instances behind a load balancer would): a nonce issued by one is consumed
 * by the other, and a signature submitted concurrently to both mints exactly one token. Two
 * plugin instances share the Redis revocation list: a revoked token is refused by both on the
 * next request, verified-token cache hits included; the list fails closed while Redis is down
 * and never grows without bound.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { createRedisRevocationList, type RevocationList } from 'fastify-picket'
import { Redis } from 'ioredis'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import { createSigningMessage } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t from 'tap'
import { evmWallet, siweContext } from '../authority/support/wallets.js'
import { appRedisClient, startRedisServer } from '../support/redis-server.js'

const redis = await startRedisServer()
t.teardown(() => redis.stop())
const inspector = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true })
inspector.on('error', () => {})
t.teardown(() => inspector.disconnect())

const PROJECT = {
  id: '3f0c5a52-8f5e-4d0b-a1c9-6b1e7e2d9f40',
  name: 'Scaled App',
  publishableKey: 'pk_scaled',
  secretKey: 'sk_scaled',
  statement: 'Sign in to Scaled App',
  allowedDomains: ['localhost:3000'],
}
const ISSUER = 'https://auth.scaled.test/api/v1'
const signingKey = await generateSigningJwk()

/** One instance of the deployment: same key, issuer, projects and Redis as its siblings. */
function startInstance(): Promise<RunningAuthority> {
  return startAuthority({
    port: 0,
    projects: [PROJECT],
    signingKey,
    issuer: ISSUER,
    redisUrl: redis.url,
    warn: () => {},
  })
}
const a = await startInstance()
const b = await startInstance()
t.teardown(() => Promise.all([a.close(), b.close()]))
const clientA = new PicketClient(PROJECT.secretKey, { baseURL: a.url, retry: false })
const clientB = new PicketClient(PROJECT.secretKey, { baseURL: b.url, retry: false })

async function call(instance: RunningAuthority, path: string, body: unknown) {
  const res = await fetch(`${instance.url}/${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Gets the nonce from `issuer` and signs the SIWE message a front end would show. */
async function signedLogin(issuer: RunningAuthority, account = evmWallet()) {
  const nonce = await call(issuer, 'auth/nonce', { walletAddress: account.address })
  const context = siweContext()
  const message = createSigningMessage({
    format: 'siwe',
    statement: PROJECT.statement,
    nonce: nonce.body.nonce as string,
    walletAddress: account.address,
    ...context,
  })
  return {
    account,
    nonce: nonce.body.nonce as string,
    body: { walletAddress: account.address, signature: await account.signMessage({ message }), context },
  }
}

t.test('two authorities, one Redis: a nonce issued by one is consumed by the other', async (t) => {
  const login = await signedLogin(a)
  const fromB = await call(b, 'auth/nonce', { walletAddress: login.account.address })
  t.equal(fromB.body.nonce, login.nonce, 'both instances hand out the same live nonce')

  const atB = await call(b, 'auth', login.body)
  t.equal(atB.status, 200, 'B accepts the signature over the nonce A issued')
  const token = atB.body.accessToken as string
  t.equal((await call(a, 'auth/validate', { accessToken: token })).status, 200, "A validates B's token")

  const replayAtA = await call(a, 'auth', login.body)
  t.equal(replayAtA.status, 401, 'the replay at A is refused: B consumed the nonce')
  t.equal((await call(b, 'auth', login.body)).status, 401, 'and at B')
  const next = await call(a, 'auth/nonce', { walletAddress: login.account.address })
  t.not(next.body.nonce, login.nonce, 'a consumed nonce is never handed out again')
})

t.test('concurrent double submission across both instances: exactly one token', async (t) => {
  for (let round = 0; round < 5; round++) {
    const login = await signedLogin(round % 2 === 0 ? a : b)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 === 0 ? a : b, 'auth', login.body)),
    )
    const tokens = results.filter((r) => r.status === 200)
    t.equal(tokens.length, 1, `round ${round}: one token out of 20`)
    t.ok(
      results.filter((r) => r.status !== 200).every((r) => r.status === 401),
      `round ${round}: the other 19 are 401`,
    )
  }
})

// ---------------------------------------------------------------------------------------------
// Revocation shared by two plugin instances

interface PluginInstance {
  app: FastifyInstance
  revocations: RevocationList
  validateCalls: () => number
}

/** A plugin instance with its own Redis client, cache and (for `remote`) a counting client. */
async function startPlugin(authority: RunningAuthority, mode: 'local' | 'remote'): Promise<PluginInstance> {
  let validateCalls = 0
  const client = new PicketClient(PROJECT.secretKey, {
    baseURL: authority.url,
    retry: false,
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/auth/validate')) validateCalls++
      return fetch(input, init)
    },
  })
  const revocations = createRedisRevocationList({ redis: appRedisClient(redis, t, 500), timeout: 500 })
  const app = Fastify()
  await app.register(picket, {
    client,
    chain: 'localhost',
    ...(mode === 'local'
      ? { verify: { jwks: `${authority.url}/.well-known/jwks.json`, audience: PROJECT.id, issuer: ISSUER } }
      : {}),
    isRevoked: revocations.isRevoked,
  })
  app.get('/me', { config: { picket: true } }, async (request) => ({ tid: request.picketUser!.tid }))
  app.post('/logout-everywhere', { config: { picket: true } }, async (request) => ({
    revoked: await revocations.revoke(request.picketUser!),
  }))
  t.teardown(async () => {
    await app.close()
  })
  return { app, revocations, validateCalls: () => validateCalls }
}

const me = (instance: PluginInstance, token: string) =>
  instance.app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })

t.test('a token revoked through one plugin instance is refused by both on the next request', async (t) => {
  const one = await startPlugin(a, 'local')
  const two = await startPlugin(b, 'remote')
  const { body } = await signedLogin(a)
  const login = await clientA.auth(body)
  const other = await clientB.auth((await signedLogin(b)).body)

  for (const instance of [one, two]) {
    t.equal((await me(instance, login.accessToken)).statusCode, 200, 'accepted')
    t.equal((await me(instance, login.accessToken)).statusCode, 200, 'accepted from the cache')
  }
  const validatesBefore = two.validateCalls()

  const revoke = await one.app.inject({
    method: 'POST',
    url: '/logout-everywhere',
    headers: { authorization: `Bearer ${login.accessToken}` },
  })
  t.same(revoke.json(), { revoked: true })

  for (const [name, instance] of [
    ['instance one', one],
    ['instance two', two],
  ] as const) {
    const res = await me(instance, login.accessToken)
    t.equal(res.statusCode, 401, `${name}: refused on the very next request`)
    t.equal(res.json().code, 'FST_PICKET_INVALID_TOKEN')
    t.match(res.json().message, /revoked/)
    t.match(res.headers['www-authenticate'], /error="invalid_token"/)
  }
  t.equal(two.validateCalls(), validatesBefore, 'instance two refused it on a verified-token cache hit')
  t.equal((await me(two, other.accessToken)).statusCode, 200, 'other tokens of the deployment still work')

  await one.revocations.unrevoke(
    JSON.parse(Buffer.from(login.accessToken.split('.')[1]!, 'base64url').toString()).tid,
  )
  t.equal((await me(two, login.accessToken)).statusCode, 200, 'unrevoke lifts it everywhere')
})

t.test('revocations expire with the token: the list never grows without bound', async (t) => {
  await inspector.connect().catch(() => {})
  const list = createRedisRevocationList({
    redis: appRedisClient(redis, t),
    keyPrefix: 'bounded:',
    leewaySeconds: 0,
  })
  const now = Math.floor(Date.now() / 1000)

  t.equal(await list.revoke({ tid: 'long', exp: now + 3600 }), true)
  const pttl = await inspector.pttl('bounded:long')
  t.ok(pttl > 3_590_000 && pttl <= 3_600_000, `TTL follows exp (${pttl} ms)`)
  t.equal(await list.revoke('by-tid', now + 60), true, 'revoke(tid, exp) works too')
  t.equal(await list.revoke({ tid: 'gone', exp: now - 10 }), false, 'an expired token needs no entry')
  t.equal(await inspector.exists('bounded:gone'), 0)

  // Clock pinned at a whole second, so each entry lives exactly 3 s in Redis.
  const pinned = createRedisRevocationList({
    redis: appRedisClient(redis, t),
    keyPrefix: 'bounded:',
    leewaySeconds: 0,
    now: () => now * 1000,
  })
  await Promise.all(Array.from({ length: 200 }, (_, i) => pinned.revoke({ tid: `short-${i}`, exp: now + 3 })))
  t.equal((await inspector.keys('bounded:short-*')).length, 200, '200 short-lived revocations stored')
  let left = 200
  for (let attempt = 0; attempt < 50 && left > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    left = (await inspector.keys('bounded:short-*')).length
  }
  t.equal(left, 0, 'all gone once their tokens expired')

  const withLeeway = createRedisRevocationList({ redis: appRedisClient(redis, t), keyPrefix: 'leeway:' })
  t.equal(
    await withLeeway.revoke({ tid: 'just-expired', exp: now - 10 }),
    true,
    'within the default 60 s leeway',
  )
  t.equal(await withLeeway.isRevoked({ tid: 'just-expired' }), true)
  t.equal(await list.isRevoked({ tid: 'just-expired' }), false, 'key prefixes keep lists apart')
  t.equal(await list.isRevoked({ tid: '' }), true, 'a token without a tid counts as revoked')
  await t.rejects(list.revoke({ tid: 'no-exp' } as never), TypeError)
  await t.rejects(list.revoke('tid-only'), TypeError)
  const refusals: [unknown, RegExp][] = [
    [{}, /createRedisRevocationList\.redis: must be a Redis client/],
    [{ url: redis.url }, /unknown key 'url' — pass your own client instead: `redis: new Redis\(url\)`/],
    [{ redis: appRedisClient(redis, t), timeOut: 500 }, /unknown key 'timeOut' — did you mean 'timeout'\?/],
    [
      { redis: appRedisClient(redis, t), timeout: 0 },
      /createRedisRevocationList\.timeout: must be an integer/,
    ],
    [{ redis: appRedisClient(redis, t), keyPrefix: undefined }, /keyPrefix/],
    [{ redis: { get: () => {} } }, /must be a Redis client with set\/exists\/del/],
  ]
  for (const [options, message] of refusals) {
    t.throws(() => createRedisRevocationList(options as never), { code: 'FST_PICKET_OPTIONS', message })
  }
})

t.test('Redis down: the revocation check fails closed (503 + Retry-After) and recovers', async (t) => {
  const one = await startPlugin(a, 'local')
  const login = await clientA.auth((await signedLogin(a)).body)
  t.equal((await me(one, login.accessToken)).statusCode, 200, 'healthy')

  await redis.stop()
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const res = await me(one, login.accessToken)
    const ms = performance.now() - started
    t.equal(res.statusCode, 503, `down #${i}: 503 even though the token is cached`)
    t.equal(res.json().code, 'FST_PICKET_UNAVAILABLE')
    t.equal(res.headers['retry-after'], '5')
    // The list's timeout is 500 ms; ioredis may also wait for one reconnect attempt.
    t.ok(ms < 500 + 2500, `down #${i}: answered in ${ms.toFixed(0)} ms`)
  }
  await redis.start()
  let status = 0
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    status = (await me(one, login.accessToken)).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.equal(status, 200, 'checks work again once Redis is back')
})

t.test('a client that answers oddly never lets a revoked session through', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const real = appRedisClient(redis, t)
  // The session (sid) is revoked; the token asking is one /authz minted from it (its own tid).
  const revoked = { tid: 'derived-token', sid: 'odd-session', exp: now + 3600 }
  await createRedisRevocationList({ redis: real, keyPrefix: 'odd:' }).revoke(revoked)

  // A client whose EXISTS reads only its first key (node-redis takes one key or an array).
  const firstKeyOnly = {
    set: real.set.bind(real),
    del: real.del.bind(real),
    exists: (key: string) => real.exists(key),
  }
  const list = createRedisRevocationList({ redis: firstKeyOnly as never, keyPrefix: 'odd:' })
  t.equal(await list.isRevoked(revoked), true, 'the session key is asked on its own')

  // A client whose EXISTS answers something other than a count: not a pass, a 503.
  for (const answer of ['1', null, undefined, Number.NaN, { count: 1 }]) {
    const odd = { ...firstKeyOnly, exists: async () => answer }
    const oddList = createRedisRevocationList({ redis: odd as never, keyPrefix: 'odd:' })
    await t.rejects(
      oddList.isRevoked({ tid: 'fresh', sid: 'fresh-session' }),
      { code: 'FST_PICKET_UNAVAILABLE', statusCode: 503 },
      `EXISTS answering ${JSON.stringify(answer)} fails closed`,
    )
  }

  // revoke() and unrevoke() are bounded by `timeout` too (an app client without a command timeout).
  const hanging = { ...firstKeyOnly, set: () => new Promise(() => {}), del: () => new Promise(() => {}) }
  const slow = createRedisRevocationList({ redis: hanging as never, timeout: 200 })
  await t.rejects(slow.revoke(revoked), /did not answer within 200 ms/)
  await t.rejects(slow.unrevoke('x'), /did not answer within 200 ms/)
})
