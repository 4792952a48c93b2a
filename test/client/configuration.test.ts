/** Constructor validation: a broken setup fails at construction with PicketConfigError. */

import { PicketClient, type PicketClientOptions, PicketConfigError, PicketError } from 'picket-core/client'
import t from 'tap'
import { API_KEY } from '../support/picket-client-fixtures.js'

const construct = (apiKey: unknown, options?: unknown) =>
  new PicketClient(apiKey as string, options as PicketClientOptions)

t.test('a missing, empty or non-string API key is a PicketConfigError', async (t) => {
  for (const key of [undefined, '', 42, null, {}]) {
    t.throws(
      () => construct(key),
      { constructor: PicketConfigError, code: 'PICKET_CONFIG_ERROR' },
      String(key),
    )
  }
  const error = (() => {
    try {
      construct('')
    } catch (e) {
      return e
    }
  })()
  t.ok(error instanceof PicketError)
  t.match(error, { name: 'PicketConfigError', method: undefined, path: undefined, message: /apiKey/ })
})

t.test('invalid options are PicketConfigErrors', async (t) => {
  const invalid: Array<[options: unknown, message: RegExp]> = [
    [null, /^options: must be an object, got null$/],
    ['fast', /^options: must be an object, got "fast"$/],
    [{ baseURL: 42 }, /baseURL/],
    [{ baseURL: 'not a url' }, /baseURL/],
    [{ baseURL: 'ftp://example.com/api/v1' }, /baseURL/],
    [{ baseURL: 'http://example.com/api/v1?x=1' }, /query string or fragment/],
    [{ baseURL: 'http://example.com/api/v1#top' }, /query string or fragment/],
    [{ timeout: 0 }, /timeout/],
    [{ timeout: -1 }, /timeout/],
    [{ timeout: 2.5 }, /timeout/],
    [{ timeout: 2 ** 31 }, /^timeout: must be an integer between 1 and 2147483647, got 2147483648$/],
    [{ timeout: '1000' }, /timeout/],
    [{ fetch: 'fetch' }, /^fetch: must be a function, got "fetch"$/],
    [{ userAgent: '' }, /userAgent/],
    [{ userAgent: 1 }, /userAgent/],
    [{ retry: true }, /^retry: must be an object or false, got true$/],
    [{ retry: null }, /^retry: must be an object or false, got null$/],
    [{ retry: { retries: -1 } }, /retry\.retries/],
    [{ retry: { retries: 1.5 } }, /retry\.retries/],
    [{ retry: { minDelay: '5' } }, /retry\.minDelay/],
    [{ retry: { maxDelay: Number.POSITIVE_INFINITY } }, /retry\.maxDelay/],
    [{ retry: { maxRetryAfter: -5 } }, /retry\.maxRetryAfter/],
    [
      { retry: { minDelay: 500, maxDelay: 100 } },
      /^retry\.minDelay: must not exceed retry\.maxDelay \(100\)$/,
    ],
  ]
  for (const [options, message] of invalid) {
    t.throws(
      () => construct(API_KEY, options),
      { constructor: PicketConfigError, message },
      JSON.stringify(options),
    )
  }
})

t.test('valid options are accepted', async (t) => {
  const client = construct(API_KEY, {
    baseURL: 'http://127.0.0.1:8787/api/v1/',
    timeout: 2_147_483_647,
    retry: { retries: 0, minDelay: 0, maxDelay: 0, maxRetryAfter: 0 },
    fetch,
    userAgent: 'x',
  })
  t.equal(client.baseURL, 'http://127.0.0.1:8787/api/v1')
  t.ok(construct(API_KEY, {}))
  t.ok(construct(API_KEY, { retry: false }))
})

t.test('the API key is not exposed as a property', async (t) => {
  const client = construct('sk_secret_value')
  t.notMatch(JSON.stringify(client), /sk_secret_value/)
  t.notMatch(Object.values(client).join(' '), /sk_secret_value/)
})
