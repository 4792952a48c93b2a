/**
 * Access tokens from `/oauth2/token`, Picket format (default) and RFC 9068, as the
 * fastify-picket plugin meets them: verified with the authority's JWKS and gated on a route.
 */
import Fastify from 'fastify'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import picket from '../../src/fastify/index.js'
import { SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { oauthSession } from './support/oauth.js'

const REDIRECT = 'http://127.0.0.1:9/cb'
const authority = await startTestAuthority({
  projects: [
    { ...SIWE_PROJECT, redirectUris: [REDIRECT] },
    {
      id: 'rfc9068-project',
      name: 'Profiled',
      publishableKey: 'pk_profiled',
      secretKey: 'sk_profiled',
      allowedDomains: ['localhost:3000'],
      redirectUris: [REDIRECT],
      accessTokenFormat: 'rfc9068',
    },
  ],
})
t.teardown(() => authority.close())
const authorityHost = new URL(authority.url).host

for (const [format, project] of [
  [
    'picket',
    { id: SIWE_PROJECT.id, publishableKey: SIWE_PROJECT.publishableKey, secretKey: SIWE_PROJECT.secretKey },
  ],
  ['rfc9068', { id: 'rfc9068-project', publishableKey: 'pk_profiled', secretKey: 'sk_profiled' }],
] as const) {
  t.test(`${format} access tokens`, async (t) => {
    const account = privateKeyToAccount(generatePrivateKey())
    const tokens = await oauthSession(authority.url, account, {
      publishableKey: project.publishableKey,
      redirectUri: REDIRECT,
    })
    const header = decodeProtectedHeader(tokens.access_token)
    const claims = decodeJwt(tokens.access_token)
    t.equal(tokens.refresh_token, undefined, 'no refresh token without offline_access (OIDC Core §11)')
    t.equal(tokens.refreshToken, undefined)
    t.equal(claims.aud, project.id, 'aud is the project id, as the plugin expects')
    t.equal(claims.walletAddress, account.address)
    t.equal(
      claims.domain,
      authorityHost.toLowerCase(),
      'signed in on the hosted page: the authority’s domain',
    )
    if (format === 'rfc9068') {
      t.equal(header.typ, 'at+jwt')
      t.equal(claims.client_id, project.publishableKey)
      t.equal(claims.jti, claims.tid)
      t.equal(claims.scope, 'openid profile')
    } else {
      t.equal(header.typ, 'JWT')
      t.equal(claims.client_id, undefined)
    }

    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(picket, {
      apiKey: project.secretKey,
      baseURL: authority.url,
      verify: { jwks: authority.jwks, audience: project.id },
      allowedDomains: [authorityHost],
    })
    app.get('/me', { config: { picket: {} } }, async (request) => ({
      wallet: request.picketUser?.walletAddress,
    }))
    const ok = await app.inject({ url: '/me', headers: { authorization: `Bearer ${tokens.access_token}` } })
    t.equal(ok.statusCode, 200, ok.body)
    t.same(ok.json(), { wallet: account.address })
  })
}
