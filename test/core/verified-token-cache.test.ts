import { SingleFlightCache, tokenCacheKey, VerifiedTokenCache } from 'picket-core'
import t from 'tap'
import { claimsFor } from '../support/token-factory.js'

const nowSeconds = () => Math.floor(Date.now() / 1000)

t.test('a hit does not verify again; the key is the SHA-256 of the token', async (t) => {
  const cache = new VerifiedTokenCache()
  let calls = 0
  const verify = async () => {
    calls++
    return claimsFor()
  }
  await cache.get('token-a', verify)
  await cache.get('token-a', verify)
  t.equal(calls, 1)
  t.equal(tokenCacheKey('token-a'), 'pwv1DlMc4agXVh8vXVtmRdToBr7PWMzF6M9rgEWgkKg')
  t.equal(cache.size, 1)
})

t.test('concurrent cold requests for one token share one verification', async (t) => {
  const cache = new VerifiedTokenCache()
  let calls = 0
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const verify = async () => {
    calls++
    await gate
    return claimsFor()
  }
  const all = Promise.all(Array.from({ length: 50 }, () => cache.get('same', verify)))
  release()
  const results = await all
  t.equal(calls, 1, '50 requests, 1 verification')
  t.ok(results.every((claims) => claims === results[0]))
})

t.test('failures are shared by waiters but never cached', async (t) => {
  const cache = new VerifiedTokenCache()
  let calls = 0
  const failing = async () => {
    calls++
    throw new Error('down')
  }
  await Promise.all([t.rejects(cache.get('x', failing)), t.rejects(cache.get('x', failing))])
  t.equal(calls, 1)
  await t.rejects(cache.get('x', failing))
  t.equal(calls, 2, 'tried again after the failure')
  t.equal(cache.size, 0)
})

t.test('an entry never outlives exp, re-checked on every hit', async (t) => {
  let now = Date.now()
  const cache = new VerifiedTokenCache({ ttl: 3_600_000, now: () => now })
  let calls = 0
  const exp = nowSeconds() + 10
  const verify = async () => {
    calls++
    return claimsFor({ exp })
  }
  await cache.get('t', verify)
  now += 5_000
  await cache.get('t', verify)
  t.equal(calls, 1, 'still valid')
  now = exp * 1000
  await cache.get('t', verify)
  t.equal(calls, 2, 'expired entry verified again (and the verifier decides)')
})

t.test('an already expired result is not stored; ttl caps the lifetime', async (t) => {
  const cache = new VerifiedTokenCache({ ttl: 50 })
  let calls = 0
  const stale = async () => {
    calls++
    return claimsFor({ exp: nowSeconds() - 1 })
  }
  await cache.get('old', stale)
  t.equal(cache.size, 0)
  const fresh = async () => {
    calls++
    return claimsFor()
  }
  await cache.get('new', fresh)
  t.equal(cache.size, 1)
  await new Promise((resolve) => setTimeout(resolve, 80))
  await cache.get('new', fresh)
  t.equal(calls, 3, 'the ttl expired the entry')
})

t.test('bounded: the least recently used entry is evicted', async (t) => {
  const cache = new VerifiedTokenCache({ max: 2 })
  let calls = 0
  const verify = async () => {
    calls++
    return claimsFor()
  }
  await cache.get('a', verify)
  await cache.get('b', verify)
  await cache.get('a', verify)
  await cache.get('c', verify)
  t.equal(cache.size, 2)
  await cache.get('a', verify)
  t.equal(calls, 3, 'a stayed (recently used)')
  await cache.get('b', verify)
  t.equal(calls, 4, 'b was evicted')
  cache.delete('b')
  await cache.get('b', verify)
  t.equal(calls, 5, 'delete drops one token')
  cache.clear()
  t.equal(cache.size, 0)
})

t.test('stats: hits, misses, evictions and size, as the metrics read them', async (t) => {
  const cache = new VerifiedTokenCache({ max: 2 })
  const verify = async () => claimsFor()
  t.same(cache.stats(), { hits: 0, misses: 0, evictions: 0, size: 0 })
  await cache.get('a', verify)
  await cache.get('a', verify)
  t.equal(cache.peek('a')?.chain, claimsFor().chain)
  t.equal(cache.peek('b'), undefined, 'a peek that finds nothing is not a miss (get follows it)')
  t.same(cache.stats(), { hits: 2, misses: 1, evictions: 0, size: 1 })
  await cache.get('b', verify)
  await cache.get('c', verify)
  t.same(cache.stats(), { hits: 2, misses: 3, evictions: 1, size: 2 }, 'c pushed a out')
  await cache.get('c', verify)
  t.same(cache.stats(), { hits: 3, misses: 3, evictions: 1, size: 2 }, 'a hit evicts nothing')
})

t.test('SingleFlightCache: ttl 0 answers waiters without storing', async (t) => {
  const cache = new SingleFlightCache<string>({ max: 10 })
  t.equal(await cache.get('k', async () => ({ value: 'v', ttl: 0 })), 'v')
  t.equal(cache.peek('k'), undefined)
  t.equal(await cache.get('k', async () => ({ value: 'w', ttl: 1000 })), 'w')
  t.equal(cache.peek('k'), 'w')
})

t.test('cached claims are frozen all the way down: a handler cannot change the next decision', async (t) => {
  const cache = new VerifiedTokenCache({ max: 10, ttl: 60_000 })
  const claims = claimsFor({ tokenBalances: { contractAddress: { '0xabc': '0' } } } as never)
  const token = 'a.b.c'
  const got = await cache.get(token, async () => claims)
  t.ok(Object.isFrozen(got), 'the claims object')
  t.ok(Object.isFrozen(got.tokenBalances.contractAddress), 'the balances inside it')
  t.throws(() => {
    ;(got.tokenBalances.contractAddress as Record<string, string>)['0xabc'] = '5'
  }, TypeError)
  t.throws(() => {
    ;(got as { walletAddress: string }).walletAddress = '0xdead'
  }, TypeError)
  t.same(
    cache.peek(token)?.tokenBalances.contractAddress,
    { '0xabc': '0' },
    'the next request sees the proof as verified',
  )
})
