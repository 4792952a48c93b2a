import { rateLimitRefusal } from 'picket-core'
import t from 'tap'

const check = { isAllowed: false, isExceeded: false, max: 5, timeWindow: 60_000, ttlInSeconds: 42 } as const

t.test('under the limit, or allowlisted, the request goes on', async (t) => {
  t.equal(rateLimitRefusal(check), undefined)
  t.equal(rateLimitRefusal({ isAllowed: true }), undefined)
})

t.test('over the limit: Retry-After and a message naming the limit', async (t) => {
  t.same(rateLimitRefusal({ ...check, isExceeded: true }), {
    retryAfter: 42,
    message: 'at most 5 per 60 s; try again in 42 s',
  })
})

t.test('Retry-After is a whole number of seconds, never 0', async (t) => {
  t.equal(rateLimitRefusal({ ...check, isExceeded: true, ttlInSeconds: 0 })?.retryAfter, 1)
  t.equal(rateLimitRefusal({ ...check, isExceeded: true, ttlInSeconds: 2.2 })?.retryAfter, 3)
})

t.test('odd limiter answers still give a usable Retry-After and message', async (t) => {
  t.same(rateLimitRefusal({ ...check, isExceeded: true, ttlInSeconds: Number.NaN, timeWindow: 250 }), {
    retryAfter: 1,
    message: 'at most 5 per 250 ms; try again in 1 s',
  })
})
