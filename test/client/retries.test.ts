/** Retries happen only for calls that are safe to repeat, only on 429/502/503/504 and network failures. */

import { PicketAPIError, PicketResponseFormatError } from 'picket-core/client'
import t from 'tap'
import {
  AUTH_BODY,
  CHAINS_BODY,
  CLAIMS_BODY,
  clientFixture,
  NONCE_BODY,
  OWNERSHIP_BODY,
  WALLET,
} from '../support/picket-client-fixtures.js'

const RATE_LIMITED = {
  status: 429,
  headers: { 'retry-after': '1' },
  json: { msg: 'slow down', code: 'rate_limited' },
}

t.test('nonce: 429 with Retry-After: 1, then success — retried after waiting', async (t) => {
  const { server, client } = await clientFixture(t, RATE_LIMITED, { json: NONCE_BODY })
  t.same(await client.nonce({ walletAddress: WALLET }), NONCE_BODY)
  t.equal(server.requests.length, 2)
  const [first, second] = server.requests
  // Loose lower bound only (timers never fire much early); the backoff alone would be ≤ 5 ms.
  t.ok((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0) >= 900, 'waited about Retry-After')
  t.equal(second?.body, first?.body, 'the same request was repeated')
})

t.test('Retry-After: 0 retries at once, for every safe call', async (t) => {
  const busy = { status: 503, headers: { 'retry-after': '0' }, json: { msg: 'busy' } }
  const { server, client } = await clientFixture(t)
  const calls = [
    { run: () => client.nonce({ walletAddress: WALLET }), body: NONCE_BODY },
    { run: () => client.validate('a.b.c'), body: CLAIMS_BODY },
    { run: () => client.tokenOwnership({ walletAddress: WALLET }), body: OWNERSHIP_BODY },
    { run: () => client.chains(), body: CHAINS_BODY },
    { run: () => client.chainInfo('ethereum'), body: CHAINS_BODY.data[0] },
  ]
  for (const { run, body } of calls) {
    server.requests.length = 0
    server.script(busy, { json: body })
    await run()
    t.equal(server.requests.length, 2)
  }
})

t.test('502 and 504 (even with an HTML body) are retried', async (t) => {
  const { server, client } = await clientFixture(
    t,
    { status: 502, headers: { 'content-type': 'text/html' }, text: '<h1>Bad Gateway</h1>' },
    { status: 504, text: 'Gateway Timeout' },
    { json: CHAINS_BODY },
  )
  t.same(await client.chains(), CHAINS_BODY.data)
  t.equal(server.requests.length, 3)
})

t.test('a retry wait with a caller signal that never fires completes normally', async (t) => {
  const { server, client } = await clientFixture(
    t,
    { status: 503, json: { msg: 'down' } },
    { json: CHAINS_BODY },
  )
  const controller = new AbortController()
  t.same(await client.chains({ signal: controller.signal }), CHAINS_BODY.data)
  t.equal(server.requests.length, 2)
})

t.test('auth: 503 is not retried', async (t) => {
  const { server, client } = await clientFixture(
    t,
    { status: 503, json: { msg: 'down' } },
    { json: AUTH_BODY },
  )
  const error = await client.auth({ walletAddress: WALLET, signature: '0xsig' }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketAPIError, status: 503 })
  t.equal(server.requests.length, 1)
})

t.test('authz: 429 is not retried', async (t) => {
  const { server, client } = await clientFixture(t, RATE_LIMITED, { json: AUTH_BODY })
  const error = await client.authz({ accessToken: 'a.b.c', requirements: {} }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketAPIError, status: 429, retryAfter: 1 })
  t.equal(server.requests.length, 1)
})

t.test('retries exhausted: the last error is surfaced', async (t) => {
  const { server, client } = await clientFixture(
    t,
    { status: 503, json: { msg: 'first' } },
    { status: 503, json: { msg: 'second' } },
    { status: 502, text: 'third' },
  )
  const error = await client.chains().catch((e: unknown) => e)
  t.match(error, { constructor: PicketResponseFormatError, status: 502, bodySnippet: 'third' })
  t.equal(server.requests.length, 3, 'one attempt plus the default two retries')
})

t.test('retry: false and retries: 0 never retry', async (t) => {
  const { server, clientWith } = await clientFixture(t, { status: 503, json: { msg: 'down' } })
  await t.rejects(clientWith({ retry: false }).chains(), PicketAPIError)
  await t.rejects(clientWith({ retry: { retries: 0 } }).chains(), PicketAPIError)
  t.equal(server.requests.length, 2)
})

t.test('a Retry-After beyond the cap is not waited for; retryAfter is surfaced', async (t) => {
  const { server, client } = await clientFixture(t, {
    status: 429,
    headers: { 'retry-after': '31' },
    json: { msg: 'slow down' },
  })
  const error = await client.nonce({ walletAddress: WALLET }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketAPIError, status: 429, retryAfter: 31 })
  t.equal(server.requests.length, 1)
})

t.test('maxRetryAfter lowers the cap', async (t) => {
  const { server, clientWith } = await clientFixture(t, RATE_LIMITED)
  const client = clientWith({ retry: { maxRetryAfter: 500 } })
  t.match(await client.chains().catch((e: unknown) => e), { constructor: PicketAPIError, retryAfter: 1 })
  t.equal(server.requests.length, 1)
})

t.test('an HTTP-date Retry-After in the past retries at once', async (t) => {
  const { server, client } = await clientFixture(
    t,
    { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, json: { msg: 'down' } },
    { json: CHAINS_BODY },
  )
  t.same(await client.chains(), CHAINS_BODY.data)
  t.equal(server.requests.length, 2)
})

t.test('other statuses are never retried', async (t) => {
  const { server, client } = await clientFixture(t)
  for (const status of [400, 401, 403, 404, 409, 424, 500]) {
    server.requests.length = 0
    server.script({ status, json: { msg: 'no' } })
    t.match(await client.chains().catch((e: unknown) => e), { constructor: PicketAPIError, status })
    t.equal(server.requests.length, 1, `${status}`)
  }
})
