/** Failures without an HTTP answer: timeout, connection refused, caller abort. */

import { PicketAbortError, PicketClient, PicketNetworkError, PicketTimeoutError } from 'picket-core/client'
import t from 'tap'
import { API_KEY, CHAINS_BODY, clientFixture, FAST_RETRY, WALLET } from '../support/picket-client-fixtures.js'
import { refusedPort } from '../support/recording-server.js'

t.test('a server that never answers gives PicketTimeoutError; auth is not retried', async (t) => {
  const { server, clientWith } = await clientFixture(t, { hang: true })
  const client = clientWith({ timeout: 150 })
  const error = await client.auth({ walletAddress: WALLET, signature: '0xsig' }).catch((e: unknown) => e)
  t.ok(error instanceof PicketTimeoutError)
  t.match(error, {
    name: 'PicketTimeoutError',
    code: 'PICKET_TIMEOUT_ERROR',
    timeout: 150,
    method: 'POST',
    path: '/auth',
    message: 'The Picket API did not answer POST /auth within 150 ms',
  })
  t.equal(server.requests.length, 1, 'exactly one attempt')
})

t.test('authz is not retried after a timeout either', async (t) => {
  const { server, client } = await clientFixture(t, { hang: true })
  const error = await client
    .authz({ accessToken: 'a.b.c', requirements: {} }, { timeout: 100 })
    .catch((e) => e)
  t.match(error, { constructor: PicketTimeoutError, timeout: 100 })
  t.equal(server.requests.length, 1)
})

t.test('a timeout on a safe call is retried, then surfaced', async (t) => {
  const { server, clientWith } = await clientFixture(t, { hang: true })
  const client = clientWith({ retry: { retries: 1, minDelay: 1, maxDelay: 1 } })
  const error = await client.chains({ timeout: 100 }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketTimeoutError, timeout: 100, path: '/chains' })
  t.equal(server.requests.length, 2)
})

t.test('the per-call timeout overrides the client timeout; a later answer succeeds', async (t) => {
  const { server, clientWith } = await clientFixture(t, { hang: true }, { json: CHAINS_BODY })
  const client = clientWith({ timeout: 60_000, retry: { retries: 1, minDelay: 1, maxDelay: 1 } })
  t.same(await client.chains({ timeout: 100 }), CHAINS_BODY.data)
  t.equal(server.requests.length, 2)
})

t.test('a custom fetch that ignores the signal still times out', async (t) => {
  // A late answer (ref'd timer) keeps the process alive the way a real pending socket would.
  let late: NodeJS.Timeout | undefined
  t.teardown(() => clearTimeout(late))
  const slowFetch = () =>
    new Promise<Response>((resolve) => {
      late = setTimeout(() => resolve(new Response('{}')), 10_000)
    })
  const client = new PicketClient(API_KEY, { retry: false, timeout: 50, fetch: slowFetch })
  t.match(await client.chains().catch((e: unknown) => e), { constructor: PicketTimeoutError, timeout: 50 })
})

t.test('connection refused is a PicketNetworkError with the cause kept', async (t) => {
  const port = await refusedPort()
  const client = new PicketClient(API_KEY, { baseURL: `http://127.0.0.1:${port}/api/v1`, retry: false })
  const error = await client.auth({ walletAddress: WALLET, signature: '0xsig' }).catch((e: unknown) => e)
  t.ok(error instanceof PicketNetworkError)
  t.match(error, { name: 'PicketNetworkError', code: 'PICKET_NETWORK_ERROR', method: 'POST', path: '/auth' })
  t.match((error as Error).message, /ECONNREFUSED/)
  t.ok((error as Error).cause instanceof Error, 'the underlying fetch error is the cause')
})

t.test('connection refused on a safe call is retried (then surfaced)', async (t) => {
  const port = await refusedPort()
  let attempts = 0
  const client = new PicketClient(API_KEY, {
    baseURL: `http://127.0.0.1:${port}/api/v1`,
    retry: FAST_RETRY,
    fetch: (input, init) => {
      attempts++
      return fetch(input, init)
    },
  })
  const error = await client.nonce({ walletAddress: WALLET }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketNetworkError, path: '/auth/nonce' })
  t.equal(attempts, 3, 'one attempt plus two retries')
})

t.test('a connection reset while reading the body is a PicketNetworkError', async (t) => {
  const { server, client } = await clientFixture(t, { resetMidBody: true })
  const error = await client.auth({ walletAddress: WALLET, signature: '0xsig' }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketNetworkError, method: 'POST', path: '/auth' })
  t.ok((error as Error).cause instanceof Error)
  t.equal(server.requests.length, 1, 'auth is not retried after a network error')
})

t.test('a fetch that throws something odd is still a PicketNetworkError', async (t) => {
  const client = new PicketClient(API_KEY, {
    retry: false,
    fetch: () => Promise.reject('not even an Error'),
  })
  const error = await client.chains().catch((e: unknown) => e)
  t.match(error, { constructor: PicketNetworkError, cause: 'not even an Error' })
  t.match((error as Error).message, /not even an Error/)
})

t.test('a fetch that fails without a nested cause is described by its message', async (t) => {
  const client = new PicketClient(API_KEY, { retry: false, fetch: () => Promise.reject(new Error('boom')) })
  const error = await client.chains().catch((e: unknown) => e)
  t.match(error, { constructor: PicketNetworkError, message: /: boom$/ })
})

t.test('the caller aborting is a PicketAbortError, distinct from a timeout, and not retried', async (t) => {
  const { server, client } = await clientFixture(t, { hang: true })
  const controller = new AbortController()
  const pending = client.chains({ signal: controller.signal }).catch((e: unknown) => e)
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const reason = new Error('user navigated away')
  controller.abort(reason)
  const error = await pending
  t.ok(error instanceof PicketAbortError)
  t.match(error, { name: 'PicketAbortError', code: 'PICKET_ABORT_ERROR', method: 'GET', path: '/chains' })
  t.equal((error as Error).cause, reason)
  t.equal(server.requests.length, 1)
})

t.test('an already aborted signal sends nothing', async (t) => {
  const { server, client } = await clientFixture(t)
  const error = await client.nonce({ walletAddress: WALLET }, { signal: AbortSignal.abort() }).catch((e) => e)
  t.match(error, { constructor: PicketAbortError, path: '/auth/nonce' })
  t.equal(server.requests.length, 0)
})

t.test('aborting during a retry wait ends the wait with PicketAbortError', async (t) => {
  const { server, clientWith } = await clientFixture(t, { status: 503, json: { msg: 'down' } })
  const client = clientWith({ retry: { retries: 2, minDelay: 60_000, maxDelay: 60_000 } })
  const controller = new AbortController()
  const pending = client.chains({ signal: controller.signal }).catch((e: unknown) => e)
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort()
  t.match(await pending, { constructor: PicketAbortError })
  t.equal(server.requests.length, 1)
})
