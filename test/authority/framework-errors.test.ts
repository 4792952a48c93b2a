import t from 'tap'
import { startTestAuthority } from './support/authority.js'

const authority = await startTestAuthority()
t.teardown(() => authority.close())

t.test('errors raised before routing are {msg, code} too', async (t) => {
  const badUrl = await authority.app.inject({ url: '/api/v1/chains/%E0%A4%A' })
  t.equal(badUrl.statusCode, 400)
  t.same(Object.keys(badUrl.json()).sort(), ['code', 'msg'])
  const longParam = await authority.app.inject({ url: `/api/v1/chains/${'a'.repeat(200)}` })
  t.ok(longParam.statusCode >= 400 && longParam.statusCode < 500)
  t.same(Object.keys(longParam.json()).sort(), ['code', 'msg'])
})

t.test('openid-configuration takes jwks_uri from the issuer, not from Host', async (t) => {
  const res = await authority.app.inject({
    url: '/api/v1/.well-known/openid-configuration',
    headers: { host: 'evil.example' },
  })
  t.equal(res.json().issuer, authority.issuer)
  t.equal(res.json().jwks_uri, `${authority.issuer}/.well-known/jwks.json`)
})
