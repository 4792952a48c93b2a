import { SingleFlightCache, VerifiedTokenCache } from 'picket-core'
import t from 'tap'
import { ExpiringLru } from '../../packages/core/src/core/expiring-lru.js'

t.test('each entry lives its own ttl, read against the clock', async (t) => {
  let now = 1_000
  const lru = new ExpiringLru<string>(10, () => now)
  lru.set('short', 'a', 100)
  lru.set('long', 'b', 10_000)
  lru.set('never', 'c', 0)
  t.equal(lru.get('short'), 'a')
  t.equal(lru.get('never'), undefined, 'a ttl of 0 stores nothing')
  now += 100
  t.equal(lru.get('short'), undefined, 'gone at its deadline, not one ms later')
  t.equal(lru.get('long'), 'b')
  t.equal(lru.size, 1, 'the expired entry was dropped when read')
  lru.set('fraction', 'd', 0.2)
  t.equal(lru.get('fraction'), 'd', 'a fractional ttl rounds up to a whole ms')
})

t.test('bounded: the least recently used entry goes first', async (t) => {
  const lru = new ExpiringLru<number>(2)
  lru.set('a', 1, 60_000)
  lru.set('b', 2, 60_000)
  t.equal(lru.get('a'), 1, 'a read makes a the most recent')
  lru.set('c', 3, 60_000)
  t.equal(lru.get('b'), undefined, 'b was evicted')
  t.same([lru.get('a'), lru.get('c'), lru.size], [1, 3, 2])
})

t.test('deleteWhere drops matches (and expired entries), counting the matches', async (t) => {
  let now = 0
  const lru = new ExpiringLru<{ kid: string }>(10, () => now)
  lru.set('1', { kid: 'old' }, 1_000)
  lru.set('2', { kid: 'new' }, 1_000)
  lru.set('3', { kid: 'old' }, 10)
  now = 20
  t.equal(
    lru.deleteWhere((v) => v.kid === 'old'),
    1,
  )
  t.equal(lru.size, 1)
  t.same(lru.get('2'), { kid: 'new' })
  lru.clear()
  t.equal(lru.size, 0)
})

t.test('a bound is a positive integer: 0 would mean "unbounded" to toad-cache', async (t) => {
  for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => new ExpiringLru(max), RangeError, `max ${max}`)
  }
  t.throws(() => new VerifiedTokenCache({ max: 0 }), RangeError, 'VerifiedTokenCache({ max: 0 })')
  t.throws(() => new VerifiedTokenCache({ refusalTtl: 1000, refusalMax: 0 }), RangeError, 'refusalMax: 0')
  t.throws(() => new SingleFlightCache({ max: 0 }), RangeError, 'SingleFlightCache({ max: 0 })')
})
