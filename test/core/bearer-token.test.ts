import {
  assertAccessTokenClaims,
  bearerChallenge,
  InvalidTokenError,
  parseBearerAuthorization,
} from 'picket-core'
import t from 'tap'
import { claimsFor } from '../support/token-factory.js'

t.test('Authorization: Bearer parsing (RFC 6750 §2.1)', async (t) => {
  t.same(parseBearerAuthorization(undefined), { kind: 'absent' })
  t.same(parseBearerAuthorization(''), { kind: 'absent' })
  t.same(parseBearerAuthorization('Basic dXNlcjpwYXNz'), { kind: 'absent' }, 'another scheme is not ours')
  t.same(parseBearerAuthorization('Bearer a.b.c'), { kind: 'token', token: 'a.b.c' })
  t.same(
    parseBearerAuthorization('bEaReR a.b.c'),
    { kind: 'token', token: 'a.b.c' },
    'scheme case-insensitive',
  )
  t.same(parseBearerAuthorization('Bearer   a.b.c  '), { kind: 'token', token: 'a.b.c' })
  for (const bad of [
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a,b',
    'Bearer "a"',
    'Bearer ü.b.c',
    'Bearer a\tb',
  ]) {
    t.equal(parseBearerAuthorization(bad).kind, 'malformed', JSON.stringify(bad))
  }
  t.same(parseBearerAuthorization(`Bearer ${'a'.repeat(20_000)}`), {
    kind: 'malformed',
    reason: 'the token is too long',
  })
})

t.test('WWW-Authenticate challenges are quoted safely', async (t) => {
  t.equal(bearerChallenge({ realm: 'api' }), 'Bearer realm="api"')
  t.equal(
    bearerChallenge({ realm: 'api', error: 'invalid_token', description: 'say "hi"\\\r\n' }),
    'Bearer realm="api", error="invalid_token", error_description="say \\"hi\\"\\\\  "',
  )
  t.equal(bearerChallenge({ realm: 'api', description: 'ignored without error' }), 'Bearer realm="api"')
})

t.test('claims are type-checked', async (t) => {
  const good = claimsFor({ tokenBalances: { contractAddress: { a: '1' }, other: 5 } as never })
  t.equal(assertAccessTokenClaims(good), good, 'unknown categories are tolerated')
  const bad: unknown[] = [
    null,
    [],
    'x',
    { ...claimsFor(), chain: 1 },
    { ...claimsFor(), sub: '' },
    { ...claimsFor(), exp: '1' },
    { ...claimsFor(), exp: Number.POSITIVE_INFINITY },
    { ...claimsFor(), tokenBalances: [] },
    { ...claimsFor(), tokenBalances: { tokenIds: { a: 1 } } },
    { ...claimsFor(), tokenBalances: { collection: 'x' } },
  ]
  for (const payload of bad) t.throws(() => assertAccessTokenClaims(payload), InvalidTokenError)
})
