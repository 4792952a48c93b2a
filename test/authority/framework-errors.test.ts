import t from 'tap'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
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

t.test('validate refuses padded tokens and tokens from the future', async (t) => {
  const { importJWK, SignJWT } = await import('jose')
  const { generateSigningJwk, startAuthority } = await import('picket-authority')
  const { SIWE_PROJECT, basicAuth } = await import('./support/authority.js')
  const jwk = await generateSigningJwk()
  const own = await startAuthority({
    port: 0,
    projects: [SIWE_PROJECT],
    signingKey: jwk as never,
    warn: () => {},
  })
  t.teardown(() => own.close())
  const key = await importJWK(jwk, 'ES256')
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    chain: 'ethereum',
    walletAddress: '0x1',
    displayAddress: '0x1',
    tokenBalances: {},
    iss: own.issuer,
    sub: 'ethereum:0x1',
    aud: SIWE_PROJECT.id,
    tid: 't',
    ver: 1,
    exp: now + 3600,
  }
  const sign = async (iat: number) =>
    withLowS(
      await new SignJWT({ ...claims, iat }).setProtectedHeader({ alg: 'ES256', kid: jwk.kid! }).sign(key),
    )
  const validate = (accessToken: string) =>
    fetch(`${own.url}/auth/validate`, {
      method: 'POST',
      headers: { authorization: basicAuth.node(SIWE_PROJECT.secretKey), 'content-type': 'application/json' },
      body: JSON.stringify({ accessToken }),
    })
  const good = await sign(now)
  t.equal((await validate(good)).status, 200, 'control')
  t.equal((await validate(`${good}==`)).status, 401, 'padded')
  t.equal((await validate(await sign(now + 3000))).status, 401, 'iat in the future')
})
