/** Non-2xx answers become PicketAPIError or PicketResponseFormatError (reference §1.6, §3). */

import { PicketAPIError, PicketError, PicketResponseFormatError } from 'picket-core/client'
import t from 'tap'
import { clientFixture, WALLET } from '../support/picket-client-fixtures.js'

t.test('4xx with {msg, code} is a PicketAPIError carrying every field', async (t) => {
  const { server, client } = await clientFixture(t, {
    status: 401,
    json: { code: 'api_key_invalid', msg: 'Invalid project key' },
  })
  const error = await client.auth({ walletAddress: WALLET, signature: '0xsig' }).catch((e: unknown) => e)
  t.ok(error instanceof PicketAPIError)
  t.ok(error instanceof PicketError)
  t.match(error, {
    name: 'PicketAPIError',
    code: 'PICKET_API_ERROR',
    apiCode: 'api_key_invalid',
    msg: 'Invalid project key',
    status: 401,
    method: 'POST',
    path: '/auth',
    retryAfter: undefined,
    message: 'Picket API answered 401 to POST /auth: Invalid project key (api_key_invalid)',
  })
  t.equal(server.requests.length, 1)
})

t.test('an error body without code leaves apiCode undefined', async (t) => {
  const { client } = await clientFixture(t, {
    status: 400,
    json: { msg: 'walletAddress is required', code: 7 },
  })
  const error = await client.nonce({ walletAddress: WALLET }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketAPIError, apiCode: undefined, msg: 'walletAddress is required' })
  t.equal((error as Error).message, 'Picket API answered 400 to POST /auth/nonce: walletAddress is required')
})

t.test('Retry-After on a non-retried error is surfaced in seconds', async (t) => {
  const { client } = await clientFixture(t, {
    status: 429,
    headers: { 'retry-after': '7' },
    json: { msg: 'slow down', code: 'rate_limited' },
  })
  const error = await client.authz({ accessToken: 'a.b.c', requirements: {} }).catch((e: unknown) => e)
  t.match(error, { constructor: PicketAPIError, status: 429, retryAfter: 7 })
})

t.test('5xx with an HTML body is a PicketResponseFormatError with a truncated snippet', async (t) => {
  const page = `<html><body>${'Bad gateway '.repeat(50)}</body></html>`
  const { client } = await clientFixture(t, {
    status: 500,
    headers: { 'content-type': 'text/html' },
    text: page,
  })
  const error = await client.chainInfo('ethereum').catch((e: unknown) => e)
  t.ok(error instanceof PicketResponseFormatError)
  t.match(error, {
    name: 'PicketResponseFormatError',
    code: 'PICKET_RESPONSE_FORMAT_ERROR',
    status: 500,
    method: 'GET',
    path: '/chains/ethereum',
    retryAfter: undefined,
  })
  const { bodySnippet } = error as PicketResponseFormatError
  t.equal(bodySnippet, `${page.slice(0, 200)}…`)
  t.match(
    (error as Error).message,
    /^Picket API answered 500 to GET \/chains\/ethereum with a body that is not/,
  )
})

t.test('JSON error bodies without a string msg are format errors', async (t) => {
  const bodies = ['{"error":"nope"}', '["msg"]', 'null', '{"msg":42}', '']
  const { server, client } = await clientFixture(t)
  for (const text of bodies) {
    server.script({ status: 404, headers: { 'content-type': 'application/json' }, text })
    const error = await client.chainInfo('nowhere').catch((e: unknown) => e)
    t.match(error, { constructor: PicketResponseFormatError, status: 404, bodySnippet: text }, text)
  }
})

t.test('a 3xx that fetch does not follow is an error too', async (t) => {
  const { client } = await clientFixture(t, { status: 304 })
  const error = await client.chains().catch((e: unknown) => e)
  t.match(error, { constructor: PicketResponseFormatError, status: 304, bodySnippet: '' })
})
