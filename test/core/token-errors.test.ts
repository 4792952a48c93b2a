import { InvalidTokenError, retryAfterSeconds, VerifierUnavailableError } from 'picket-core'
import t from 'tap'

t.test('InvalidTokenError carries its 401 and the RFC 6750 challenge for any realm', async (t) => {
  const error = new InvalidTokenError('the token has "expired"')
  t.equal(error.status, 401)
  t.same(error.headers('api'), {
    'www-authenticate':
      'Bearer realm="api", error="invalid_token", error_description="the token has \\"expired\\""',
  })
})

t.test('VerifierUnavailableError carries its 503 and a whole Retry-After of at least 1 s', async (t) => {
  t.equal(new VerifierUnavailableError('down').status, 503)
  t.same(new VerifierUnavailableError('down').headers(), { 'retry-after': '5' })
  t.same(new VerifierUnavailableError('down', { retryAfter: 0 }).headers(), { 'retry-after': '1' })
  t.same(new VerifierUnavailableError('down', { retryAfter: 2.5 }).headers(), { 'retry-after': '3' })
  t.equal(retryAfterSeconds(Number.NaN), 1)
})
