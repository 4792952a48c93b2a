import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t from 'tap'
import { createMemoryNonceStore } from '../../packages/authority/src/nonces/memory-store.js'
import { generateNonce } from '../../packages/authority/src/nonces/nonce.js'
import { createRedisNonceStore } from '../../packages/authority/src/nonces/redis-store.js'
import { type NonceStore, NonceStoreFullError, nonceKey } from '../../packages/authority/src/nonces/store.js'
import { startRedisServer } from '../support/redis-server.js'

const redis = await startRedisServer()
t.teardown(() => redis.stop())

t.test('nonces are crypto-random alphanumerics of at least 16 characters', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 1000; i++) {
    const nonce = generateNonce()
    t.ok(/^[A-Za-z0-9]{24}$/.test(nonce)) || t.fail(nonce)
    seen.add(nonce)
  }
  t.equal(seen.size, 1000)
})

t.test('nonce keys: project + chain type + lower-cased EVM address, verbatim Solana address', async (t) => {
  t.equal(nonceKey('p', 'ethereum', '0xAbCd'), 'p:ethereum:0xabcd')
  t.equal(nonceKey('p', 'solana', 'AbCd'), 'p:solana:AbCd')
})

const stores: Array<[string, () => NonceStore]> = [
  ['memory', () => createMemoryNonceStore({ ttlSeconds: 1 })],
  [
    'redis',
    () => createRedisNonceStore({ redis: redis.url, ttlSeconds: 1, keyPrefix: `test:${Math.random()}:` }),
  ],
]

for (const [name, create] of stores) {
  t.test(`${name} store`, async (t) => {
    const store = create()
    t.teardown(() => store.close())

    t.test('issue returns the same nonce while alive, another key gets another', async (t) => {
      const a = await store.issue('k1')
      t.equal(await store.issue('k1'), a)
      t.equal(await store.get('k1'), a)
      t.not(await store.issue('k2'), a)
    })

    t.test('concurrent issue for one key agrees on one nonce', async (t) => {
      const nonces = await Promise.all(Array.from({ length: 20 }, () => store.issue('k-concurrent')))
      t.equal(new Set(nonces).size, 1)
    })

    t.test('consume deletes only a matching nonce', async (t) => {
      const nonce = await store.issue('k3')
      t.equal(await store.consume('k3', 'wrong'), false)
      t.equal(await store.get('k3'), nonce)
      t.equal(await store.consume('k3', nonce), true)
      t.equal(await store.get('k3'), undefined)
      t.equal(await store.consume('k3', nonce), false)
      t.not(await store.issue('k3'), nonce, 'a consumed nonce is never handed out again')
    })

    t.test('consume is atomic: of 50 concurrent consumers exactly one wins', async (t) => {
      const nonce = await store.issue('k4')
      const results = await Promise.all(Array.from({ length: 50 }, () => store.consume('k4', nonce)))
      t.equal(results.filter(Boolean).length, 1)
    })

    t.test('a nonce expires after its TTL and re-requests do not extend it', async (t) => {
      const nonce = await store.issue('k5')
      await sleep(600)
      t.equal(await store.issue('k5'), nonce)
      await sleep(700)
      t.equal(await store.get('k5'), undefined)
      t.equal(await store.consume('k5', nonce), false)
      t.not(await store.issue('k5'), nonce)
    })
  })
}

t.test('redis store keeps a TTL on the key (SET … EX)', async (t) => {
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const store = createRedisNonceStore({ redis: client, ttlSeconds: 120, keyPrefix: 'ttl:' })
  await store.issue('k')
  const ttl = await client.ttl('ttl:k')
  t.ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`)
  await store.close()
  t.equal(client.status, 'ready', 'a client passed in is not closed by the store')
})

t.test('memory store is bounded: when full it refuses new nonces, it never evicts live ones', async (t) => {
  const store = createMemoryNonceStore({ ttlSeconds: 60, maxEntries: 3 })
  const first = await store.issue('a')
  await store.issue('b')
  await store.issue('c')
  await t.rejects(store.issue('d'), NonceStoreFullError)
  t.equal(await store.get('a'), first, 'the oldest live nonce is still there')
  t.equal(await store.issue('a'), first, 'a live nonce is still handed out')
  t.ok(await store.consume('a', first))
  t.type(await store.issue('d'), 'string', 'a used nonce frees its place')
})
