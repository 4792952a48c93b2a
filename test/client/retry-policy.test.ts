/** Pure parts of the retry policy: Retry-After parsing, backoff bounds, retry decisions. */

import {
  PicketAbortError,
  PicketAPIError,
  PicketNetworkError,
  PicketResponseFormatError,
  PicketTimeoutError,
  PicketUnexpectedResponseError,
} from 'picket-core/client'
import t from 'tap'
import { parseRetryAfter } from '../../packages/core/src/client/retry-after.js'
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  retryDelayAfter,
} from '../../packages/core/src/client/retry-policy.js'

const request = { method: 'GET', path: '/chains' }
const policy = { retries: 3, minDelay: 100, maxDelay: 1000, maxRetryAfter: 30_000 }

t.test('parseRetryAfter', async (t) => {
  const now = Date.parse('2024-01-01T00:00:00.000Z')
  t.equal(parseRetryAfter(null, now), undefined)
  t.equal(parseRetryAfter(undefined, now), undefined)
  t.equal(parseRetryAfter('0', now), 0)
  t.equal(parseRetryAfter(' 120 ', now), 120)
  t.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10)
  t.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:09 GMT', now + 500), 9, 'rounds up partial seconds')
  t.equal(parseRetryAfter('Sun, 31 Dec 2023 23:59:00 GMT', now), 0, 'a past date means now')
  t.equal(parseRetryAfter('-5', now), undefined)
  t.equal(parseRetryAfter('1.5', now), undefined)
  t.equal(parseRetryAfter('', now), undefined)
  t.equal(parseRetryAfter('soon', now), undefined)
  t.type(parseRetryAfter('5'), 'number', 'now defaults to the clock')
})

t.test('isRetryableStatus', async (t) => {
  for (const status of [429, 502, 503, 504]) t.ok(isRetryableStatus(status), `${status}`)
  for (const status of [200, 400, 401, 403, 404, 408, 409, 424, 500, 501])
    t.notOk(isRetryableStatus(status), `${status}`)
})

t.test('backoffDelay grows exponentially between minDelay and maxDelay', async (t) => {
  t.equal(
    backoffDelay(0, policy, () => 0),
    100,
  )
  t.equal(
    backoffDelay(0, policy, () => 0.999),
    100,
    'first retry waits exactly minDelay',
  )
  t.equal(
    backoffDelay(1, policy, () => 1),
    200,
  )
  t.equal(
    backoffDelay(2, policy, () => 1),
    400,
  )
  t.equal(
    backoffDelay(3, policy, () => 0.5),
    450,
  )
  t.equal(
    backoffDelay(10, policy, () => 1),
    1000,
    'capped at maxDelay',
  )
  for (let i = 0; i < 50; i++) {
    const delay = backoffDelay(5, policy)
    t.ok(delay >= 100 && delay <= 1000)
  }
  t.same(DEFAULT_RETRY_POLICY, { retries: 2, minDelay: 100, maxDelay: 2000, maxRetryAfter: 30_000 })
})

t.test('retryDelayAfter decides per error', async (t) => {
  const half = () => 0.5
  const apiError = (status: number, retryAfter?: number) =>
    new PicketAPIError({ status, msg: 'x', retryAfter }, request)
  t.equal(retryDelayAfter(new PicketNetworkError(new Error('reset'), request), 0, policy, half), 100)
  t.equal(retryDelayAfter(new PicketTimeoutError(100, request), 1, policy, half), 150)
  t.equal(retryDelayAfter(apiError(503), 2, policy, half), 250)
  t.equal(retryDelayAfter(apiError(429, 3), 0, policy), 3000, 'Retry-After wins over backoff')
  t.equal(retryDelayAfter(apiError(429, 30), 0, policy), 30_000, 'up to the cap')
  t.equal(retryDelayAfter(apiError(429, 31), 0, policy), undefined, 'beyond the cap: surface')
  t.equal(
    retryDelayAfter(
      new PicketResponseFormatError({ status: 504, bodySnippet: '' }, request),
      0,
      policy,
      half,
    ),
    100,
  )
  t.equal(retryDelayAfter(apiError(500), 0, policy), undefined)
  t.equal(retryDelayAfter(apiError(503), 3, policy), undefined, 'retries exhausted')
  t.equal(retryDelayAfter(new PicketAbortError(undefined, request), 0, policy), undefined)
  t.equal(
    retryDelayAfter(
      new PicketUnexpectedResponseError({ status: 200, problem: 'x', bodySnippet: '' }, request),
      0,
      policy,
    ),
    undefined,
  )
  t.equal(retryDelayAfter(new Error('anything else'), 0, policy), undefined)
})
