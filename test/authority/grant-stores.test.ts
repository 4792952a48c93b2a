import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import {
  type CodeGrant,
  type CodeStore,
  GrantStoreFullError,
  type RefreshFamily,
  type SessionStore,
} from '../../packages/authority/src/oauth/grant-stores.js'
import {
  createMemoryCodeStore,
  createMemorySessionStore,
} from '../../packages/authority/src/oauth/memory-grant-stores.js'
import {
  createRedisCodeStore,
  createRedisGrantStores,
  createRedisSessionStore,
} from '../../packages/authority/src/oauth/redis-grant-stores.js'
import { startRedisServer } from '../support/redis-server.js'

const redis = await startRedisServer()
t.teardown(() => redis.stop())

const id = () => randomBytes(16).toString('hex')

const grant = (overrides: Partial<CodeGrant> = {}): CodeGrant => ({
  projectId: 'project-1',
  clientId: 'pk_test',
  redirectUri: 'https://app.example/callback',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  scope: ['openid', 'offline_access'],
  nonce: 'n-0S6_WzA2Mj',
  authTime: 1_700_000_000,
  user: {
    chain: 'ethereum',
    walletAddress: '0xAbC0000000000000000000000000000000000001',
    displayAddress: '0xAbC0…0001',
    tokenBalances: { contractAddress: { '0xdead': '3' } },
  },
  extensions: { domain: 'app.example', sid: 'sid-1' },
  requirements: { contractAddress: '0xdead', minTokenBalance: '1' },
  ...overrides,
})

const family = (expiresAt: number, overrides: Partial<RefreshFamily> = {}): RefreshFamily => ({
  id: id(),
  projectId: 'project-1',
  clientId: 'pk_test',
  scope: ['openid', 'offline_access'],
  chain: 'ethereum',
  walletAddress: '0xAbC0000000000000000000000000000000000001',
  requirements: { contractAddress: '0xdead', minTokenBalance: '1' },
  authTime: 1_700_000_000,
  expiresAt,
  extensions: { domain: 'app.example' },
  ...overrides,
})

const DAY = 86_400

interface Opened {
  /** `instances` handles on the same data (Redis: one client each, like several authority instances). */
  codes: CodeStore[]
  sessions: SessionStore[]
}

interface Backend {
  name: string
  nowMs(): number
  /** Lets time pass: the memory clock jumps, Redis is waited for. */
  pass(ms: number): Promise<void>
  open(t: Test, options?: { maxEntries?: number; instances?: number }): Opened
}

function memoryBackend(): Backend {
  let clock = 1_700_000_000_000
  const now = () => clock
  return {
    name: 'memory',
    nowMs: now,
    async pass(ms) {
      clock += ms
    },
    open(t, { maxEntries, instances = 1 } = {}) {
      const codes = createMemoryCodeStore({ maxEntries, now })
      const sessions = createMemorySessionStore({ maxEntries, now })
      t.teardown(async () => {
        await codes.close()
        await sessions.close()
      })
      return {
        codes: Array.from({ length: instances }, () => codes),
        sessions: Array.from({ length: instances }, () => sessions),
      }
    },
  }
}

function redisBackend(): Backend {
  return {
    name: 'redis',
    nowMs: Date.now,
    pass: (ms) => sleep(ms),
    open(t, { maxEntries, instances = 1 } = {}) {
      const keyPrefix = `test:${id()}:`
      const opened: Opened = { codes: [], sessions: [] }
      for (let i = 0; i < instances; i++) {
        const codes = createRedisCodeStore({ redis: redis.url, keyPrefix, maxEntries })
        const sessions = createRedisSessionStore({ redis: redis.url, keyPrefix, maxEntries })
        t.teardown(async () => {
          await codes.close()
          await sessions.close()
        })
        opened.codes.push(codes)
        opened.sessions.push(sessions)
      }
      return opened
    },
  }
}

for (const backend of [memoryBackend(), redisBackend()]) {
  t.test(`${backend.name} grant stores`, async (t) => {
    const inDays = (days: number) => Math.floor(backend.nowMs() / 1000) + days * DAY

    t.test('codes: put, get, redeem once; the record stays to recognise reuse', async (t) => {
      const {
        codes: [codes],
      } = backend.open(t)
      const code = id()
      await codes!.put(code, grant(), 60)
      t.same(await codes!.get(code), { grant: grant() })
      t.notOk('redeemedBy' in ((await codes!.get(code)) ?? {}), 'not redeemed yet')
      t.equal(await codes!.get(id()), undefined, 'another id is unknown')
      t.equal(await codes!.redeem(code, 'family-1'), true)
      t.same(await codes!.get(code), { grant: grant(), redeemedBy: 'family-1' })
      t.equal(await codes!.redeem(code, 'family-2'), false, 'a second use is refused')
      t.equal(await codes!.redeem(code, 'family-1'), false, 'even by the same family')
      t.equal((await codes!.get(code))?.redeemedBy, 'family-1', 'the first redemption is kept')
    })

    t.test('codes: 20 concurrent redeems (3 instances) → exactly one wins', async (t) => {
      const { codes } = backend.open(t, { instances: 3 })
      const code = id()
      await codes[0]!.put(code, grant(), 60)
      const families = Array.from({ length: 20 }, (_, i) => `family-${i}`)
      const results = await Promise.all(families.map((f, i) => codes[i % 3]!.redeem(code, f)))
      t.equal(results.filter(Boolean).length, 1)
      const winner = families[results.indexOf(true)]
      t.equal((await codes[1]!.get(code))?.redeemedBy, winner, 'the winner is recorded')
    })

    t.test('sessions: rotate, then an older token is reuse and revokes the family', async (t) => {
      const {
        sessions: [sessions],
      } = backend.open(t)
      const f = family(inDays(14))
      await sessions!.create(f, 'h0')
      t.same(await sessions!.get(f.id), { family: f, current: 'h0', revoked: false })

      t.same(await sessions!.rotate(f.id, 'h0', 'h1'), { status: 'rotated', family: f })
      t.same(await sessions!.get(f.id), { family: f, current: 'h1', revoked: false })
      t.same(await sessions!.rotate(f.id, 'h1', 'h2'), { status: 'rotated', family: f })

      t.same(await sessions!.rotate(f.id, 'h1', 'h3'), { status: 'reused' }, 'an older token')
      t.same(await sessions!.get(f.id), { family: f, current: 'h2', revoked: true }, 'family revoked')
      t.same(await sessions!.rotate(f.id, 'h2', 'h4'), { status: 'revoked' }, 'even the newest token')
      t.same(await sessions!.rotate(f.id, 'h0', 'h5'), { status: 'reused' }, 'the oldest is still reuse')
      t.same(await sessions!.get(f.id), { family: f, current: 'h2', revoked: true }, 'nothing rotated')
    })

    t.test('sessions: 20 concurrent rotations of one token → one rotated, the rest reuse', async (t) => {
      const { sessions } = backend.open(t, { instances: 3 })
      const f = family(inDays(14))
      await sessions[0]!.create(f, 'h0')
      const nexts = Array.from({ length: 20 }, (_, i) => `next-${i}`)
      const results = await Promise.all(nexts.map((n, i) => sessions[i % 3]!.rotate(f.id, 'h0', n)))
      const statuses = results.map((r) => r.status)
      t.equal(statuses.filter((s) => s === 'rotated').length, 1, 'exactly one rotated')
      t.equal(statuses.filter((s) => s === 'reused').length, 19, 'the rest: reused')
      const record = await sessions[2]!.get(f.id)
      t.equal(record?.revoked, true, 'concurrent use of one refresh token revokes the family')
      t.equal(record?.current, nexts[statuses.indexOf('rotated')], 'the winner’s token is current')
    })

    t.test('sessions: revoke keeps the record until expiresAt', async (t) => {
      const {
        sessions: [sessions],
      } = backend.open(t)
      const f = family(inDays(1))
      await sessions!.create(f, 'h0')
      await sessions!.revoke(f.id)
      t.same(await sessions!.get(f.id), { family: f, current: 'h0', revoked: true })
      t.same(await sessions!.rotate(f.id, 'h0', 'h1'), { status: 'revoked' })
      t.same(await sessions!.rotate(f.id, 'old', 'h1'), { status: 'reused' })
      await sessions!.revoke(f.id)
      t.same(await sessions!.get(f.id), { family: f, current: 'h0', revoked: true }, 'idempotent')
    })

    t.test('unknown ids', async (t) => {
      const {
        codes: [codes],
        sessions: [sessions],
      } = backend.open(t)
      const unknown = id()
      t.equal(await codes!.get(unknown), undefined)
      t.equal(await codes!.redeem(unknown, 'family-1'), false)
      t.equal(await codes!.get(unknown), undefined, 'a refused redeem creates nothing')
      t.equal(await sessions!.get(unknown), undefined)
      t.same(await sessions!.rotate(unknown, 'h0', 'h1'), { status: 'unknown' })
      await sessions!.revoke(unknown)
      t.equal(await sessions!.get(unknown), undefined, 'revoking an unknown family creates nothing')
      t.same(await sessions!.rotate(unknown, 'h0', 'h1'), { status: 'unknown' })
    })

    t.test('a family already over is not kept', async (t) => {
      const {
        sessions: [sessions],
      } = backend.open(t)
      const f = family(Math.floor(backend.nowMs() / 1000) - 1)
      await sessions!.create(f, 'h0')
      t.equal(await sessions!.get(f.id), undefined)
      t.same(await sessions!.rotate(f.id, 'h0', 'h1'), { status: 'unknown' })
    })

    t.test('full: refuses with GrantStoreFullError + retryAfter, never evicts a live entry', async (t) => {
      const {
        codes: [codes],
        sessions: [sessions],
      } = backend.open(t, { maxEntries: 3 })
      const ids = [id(), id(), id()]
      for (const code of ids) await codes!.put(code, grant(), 60)
      const error = await codes!.put(id(), grant(), 60).then(
        () => undefined,
        (e: unknown) => e,
      )
      t.type(error, GrantStoreFullError)
      t.equal((error as GrantStoreFullError).name, 'GrantStoreFullError')
      const retry = (error as GrantStoreFullError).retryAfter
      t.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `code retryAfter ${retry}`)
      for (const code of ids) t.ok(await codes!.get(code), 'live codes are all still there')
      await codes!.put(ids[0]!, grant({ nonce: 'replaced' }), 60)
      t.equal((await codes!.get(ids[0]!))?.grant.nonce, 'replaced', 'replacing a code needs no new place')

      const fams = [family(inDays(14)), family(inDays(14)), family(inDays(14))]
      for (const f of fams) await sessions!.create(f, 'h0')
      await sessions!.revoke(fams[0]!.id)
      const full = await sessions!.create(family(inDays(14)), 'h0').then(
        () => undefined,
        (e: unknown) => e,
      )
      t.type(full, GrantStoreFullError, 'revoked families still count until they expire')
      t.equal((full as GrantStoreFullError).retryAfter, 60, 'families end days away: retry in a minute')
      for (const f of fams) t.ok(await sessions!.get(f.id), 'live families are all still there')
    })

    t.test('expiry: codes at their TTL, families at expiresAt; expired entries free places', async (t) => {
      const {
        codes: [codes],
        sessions: [sessions],
      } = backend.open(t, { maxEntries: 2 })
      const [a, b] = [id(), id()]
      await codes!.put(a, grant(), 1)
      await codes!.put(b, grant(), 1)
      t.ok(await codes!.get(a), 'alive before its TTL')
      await codes!.redeem(b, 'family-b')
      const refused = await codes!.put(id(), grant(), 1).catch((e: unknown) => e)
      t.type(refused, GrantStoreFullError)
      t.equal((refused as GrantStoreFullError).retryAfter, 1, 'the oldest code frees a place within 1 s')

      // 1–2 s from now (whole seconds).
      const expiresAt = Math.ceil((backend.nowMs() + 1000) / 1000)
      const [f1, f2] = [family(expiresAt), family(expiresAt)]
      await sessions!.create(f1, 'h0')
      await sessions!.create(f2, 'h0')
      t.ok(await sessions!.get(f1.id), 'alive before expiresAt')
      await sessions!.revoke(f2.id)
      await t.rejects(sessions!.create(family(expiresAt), 'h0'), GrantStoreFullError)

      await backend.pass(expiresAt * 1000 - backend.nowMs() + 150)

      t.equal(await codes!.get(a), undefined, 'code expired')
      t.equal(await codes!.get(b), undefined, 'redeemed code expired')
      t.equal(await codes!.redeem(a, 'family-a'), false, 'an expired code cannot be redeemed')
      t.equal(await sessions!.get(f1.id), undefined, 'family expired')
      t.equal(await sessions!.get(f2.id), undefined, 'revoked family expired')
      t.same(await sessions!.rotate(f1.id, 'h0', 'h1'), { status: 'unknown' })
      await sessions!.revoke(f1.id)
      t.equal(await sessions!.get(f1.id), undefined)

      const c = id()
      await codes!.put(c, grant(), 60)
      t.ok(await codes!.get(c), 'expired codes freed their places')
      const f3 = family(inDays(1))
      await sessions!.create(f3, 'h0')
      await sessions!.create(family(inDays(1)), 'h0')
      t.ok(await sessions!.get(f3.id), 'expired families freed their places')
    })
  })
}

t.test('memory: exact expiry instants, purge in expiry order, bounded work', async (t) => {
  let clock = 1_000_000
  const now = () => clock
  const codes = createMemoryCodeStore({ maxEntries: 3, now })
  const sessions = createMemorySessionStore({ maxEntries: 3, now })

  await codes.put('a', grant(), 10)
  clock += 9_999
  t.ok(await codes.get('a'), 'alive 1 ms before its TTL')
  clock += 1
  t.equal(await codes.get('a'), undefined, 'gone at its TTL')

  const f = family(clock / 1000 + 5)
  await sessions.create(f, 'h0')
  clock += 4_999
  t.equal((await sessions.rotate(f.id, 'h0', 'h1')).status, 'rotated', 'alive 1 ms before expiresAt')
  clock += 1
  t.equal((await sessions.rotate(f.id, 'h1', 'h2')).status, 'unknown', 'gone at expiresAt')

  // TTLs 10, 5, 20 s: after 6 s exactly one place is free, and the next one frees at 10 s.
  await codes.put('x', grant(), 10)
  await codes.put('y', grant(), 5)
  await codes.put('z', grant(), 20)
  clock += 6_000
  await codes.put('w', grant(), 60)
  const full = await codes.put('v', grant(), 60).catch((e: unknown) => e)
  t.type(full, GrantStoreFullError)
  t.equal((full as GrantStoreFullError).retryAfter, 4, 'retryAfter: until the oldest live code expires')
  t.ok(await codes.get('x'))
  t.ok(await codes.get('z'))

  await t.rejects(codes.put('bad', grant(), 0), RangeError, 'a TTL must be positive')
  t.throws(() => createMemoryCodeStore({ maxEntries: 0 }), RangeError)
})

t.test('memory: many entries in churn stay bounded and fast', async (t) => {
  let clock = 0
  const codes = createMemoryCodeStore({ maxEntries: 5_000, now: () => clock })
  const started = performance.now()
  let refused = 0
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 5_000; i++) {
      await codes.put(`r${round}-${i}`, grant(), 1 + (i % 60)).catch(() => refused++)
    }
    clock += 61_000
  }
  t.equal(refused, 0, 'each round finds the places of the last one freed')
  // Overwriting one id over and over leaves stale heap items that are compacted away.
  for (let i = 0; i < 3_000; i++) await codes.put('same', grant(), 30)
  t.ok(await codes.get('same'))
  t.ok(performance.now() - started < 15_000, `${(performance.now() - started).toFixed(0)} ms`)
})

t.test('memory: stored grants are copies', async (t) => {
  const codes = createMemoryCodeStore()
  const mutable = grant() as unknown as { scope: string[] }
  await codes.put('a', mutable as unknown as CodeGrant, 60)
  mutable.scope.push('evil')
  t.same((await codes.get('a'))?.grant.scope, ['openid', 'offline_access'])
  await codes.close()
  t.equal(await codes.get('a'), undefined, 'close drops everything')
})

t.test(
  'redis: key layout, TTLs kept by redeem/rotate/revoke, a passed client is shared and kept',
  async (t) => {
    const client = new Redis(redis.url)
    t.teardown(() => client.quit())
    const { codes, sessions } = createRedisGrantStores({ redis: client })
    const code = id()
    await codes.put(code, grant(), 60)
    const codeKey = `picket:oauth:code:${code}`
    const ttl = await client.pttl(codeKey)
    t.ok(ttl > 55_000 && ttl <= 60_000, `code pttl ${ttl}`)
    t.same(JSON.parse((await client.hget(codeKey, 'grant'))!), grant(), 'stored as JSON')
    t.ok(await codes.redeem(code, 'family-1'))
    t.ok((await client.pttl(codeKey)) > 55_000, 'redeem keeps the TTL')
    t.ok((await client.pttl('picket:oauth:code-index')) > 55_000, 'the index expires with its last entry')

    const f = family(Math.floor(Date.now() / 1000) + 3600)
    await sessions.create(f, 'h0')
    const familyKey = `picket:oauth:family:${f.id}`
    const expiry = async () => Number(await client.call('PEXPIRETIME', familyKey))
    t.equal(await expiry(), f.expiresAt * 1000, 'the family key expires at expiresAt')
    t.equal((await sessions.rotate(f.id, 'h0', 'h1')).status, 'rotated')
    t.equal(await expiry(), f.expiresAt * 1000, 'rotate keeps the expiry')
    t.equal((await sessions.rotate(f.id, 'h0', 'h2')).status, 'reused')
    await sessions.revoke(f.id)
    t.equal(await expiry(), f.expiresAt * 1000, 'reuse and revoke keep the expiry')
    t.equal(await client.hget(familyKey, 'current'), 'h1')

    await codes.close()
    await sessions.close()
    t.equal(client.status, 'ready', 'a client passed in is not closed by the stores')
    await client.del(codeKey, familyKey, 'picket:oauth:code-index', 'picket:oauth:family-index')
  },
)

t.test('redis: stores made from one URL share a client closed with the last store', async (t) => {
  const { codes, sessions } = createRedisGrantStores({ redis: redis.url, keyPrefix: `test:${id()}:` })
  await codes.put('a', grant(), 60)
  await codes.close()
  await codes.close()
  const f = family(Math.floor(Date.now() / 1000) + 60)
  await sessions.create(f, 'h0')
  t.ok(await sessions.get(f.id), 'closing one store (twice) leaves the shared client open')
  await sessions.close()
  await t.rejects(sessions.get(f.id), 'closed with the last store')
})

t.test('redis: malformed stored values are treated as absent and reported, never a crash', async (t) => {
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const keyPrefix = `test:${id()}:`
  const errors: Error[] = []
  const onError = (error: Error) => errors.push(error)
  const codes = createRedisCodeStore({ redis: client, keyPrefix, onError })
  const sessions = createRedisSessionStore({ redis: client, keyPrefix, onError })

  await client.hset(`${keyPrefix}oauth:code:bad-json`, 'grant', '{not json')
  await client.hset(`${keyPrefix}oauth:code:bad-shape`, 'grant', JSON.stringify({ projectId: 1 }))
  await client.set(`${keyPrefix}oauth:code:string`, 'x')
  for (const code of ['bad-json', 'bad-shape', 'string']) {
    t.equal(await codes.get(code), undefined, `code ${code}: absent`)
  }
  t.equal(await codes.redeem('bad-json', 'f'), false, 'bad JSON is not redeemable')
  t.equal(await codes.redeem('string', 'f'), false, 'a wrong type is not redeemable')
  t.equal(errors.length, 3, 'each malformed read is reported')

  errors.length = 0
  await client.hset(`${keyPrefix}oauth:family:bad-json`, { family: '{', current: 'h0', revoked: '0' })
  await client.hset(`${keyPrefix}oauth:family:no-current`, { family: JSON.stringify(family(1e10)) })
  await client.set(`${keyPrefix}oauth:family:string`, 'x')
  for (const f of ['bad-json', 'no-current', 'string']) {
    t.equal(await sessions.get(f), undefined, `family ${f}: absent`)
    t.same(await sessions.rotate(f, 'h0', 'h1'), { status: 'unknown' }, `family ${f}: unknown`)
    await sessions.revoke(f)
  }
  t.equal(await client.hget(`${keyPrefix}oauth:family:bad-json`, 'current'), 'h0', 'not rotated')
  t.equal(errors.length, 6)
  t.match(errors[0]?.message, /malformed/)
})

t.test('redis down: operations reject (fail closed), and work again once it is back', async (t) => {
  const keyPrefix = `test:${id()}:`
  const errors: Error[] = []
  const { codes, sessions } = createRedisGrantStores({
    redis: redis.url,
    keyPrefix,
    onError: (error) => errors.push(error),
  })
  t.teardown(async () => {
    await codes.close()
    await sessions.close()
  })
  const code = id()
  const f = family(Math.floor(Date.now() / 1000) + 600)
  await codes.put(code, grant(), 60)
  await sessions.create(f, 'h0')

  await redis.stop()
  const started = performance.now()
  const outcomes = await Promise.allSettled([
    codes.put(id(), grant(), 60),
    codes.get(code),
    codes.redeem(code, 'family-1'),
    sessions.create(family(f.expiresAt), 'h0'),
    sessions.get(f.id),
    sessions.rotate(f.id, 'h0', 'h1'),
    sessions.revoke(f.id),
  ])
  t.same(
    outcomes.map((o) => o.status),
    Array(7).fill('rejected'),
    'every operation rejects: none answers unknown/absent',
  )
  t.ok(performance.now() - started < 6500, `failed within ${(performance.now() - started).toFixed(0)} ms`)
  t.ok(errors.length > 0, 'connection errors reported through onError')

  await redis.start()
  let recovered = false
  for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
    recovered = await codes.put(code, grant(), 60).then(
      () => true,
      () => false,
    )
    if (!recovered) await sleep(200)
  }
  t.ok(recovered, 'the client reconnected')
  t.ok(await codes.redeem(code, 'family-1'), 'codes work again')
  await sessions.create(f, 'h0')
  t.equal((await sessions.rotate(f.id, 'h0', 'h1')).status, 'rotated', 'sessions work again')
})
