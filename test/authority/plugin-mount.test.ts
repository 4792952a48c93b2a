import Fastify from 'fastify'
import { createAuthority } from 'picket-authority'
import t from 'tap'
import { basicAuth, SIWE_PROJECT } from './support/authority.js'

/**
 * `createAuthority` mounted in someone else's app at /api/v1: its hooks, error and 404 handling
 * stay inside its prefix, and the issuer defaults to the URL the client used.
 */
t.test('mounted under /api/v1 in a host app', async (t) => {
  const app = Fastify()
  app.get('/health', async () => ({ ok: true }))
  app.get('/boom', async () => {
    throw Object.assign(new Error('host error'), { statusCode: 418 })
  })
  await app.register(
    createAuthority({ issuer: 'http://app.test/api/v1', projects: [SIWE_PROJECT], warn: () => {} }),
    {
      prefix: '/api/v1',
    },
  )
  t.teardown(() => app.close())

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, 'no API key needed outside the prefix')
  t.notOk(health.headers['access-control-allow-origin'], 'no CORS headers on host routes')

  const boom = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(boom.statusCode, 418)
  t.equal(boom.json().message, 'host error', "the host's error handler is untouched")

  const hostMissing = await app.inject({ method: 'GET', url: '/missing' })
  t.equal(hostMissing.statusCode, 404)
  t.not(hostMissing.json().code, 'resource_not_found', "the host's 404 handler is untouched")

  const inside = await app.inject({ method: 'GET', url: '/api/v1/missing' })
  t.equal(inside.statusCode, 404)
  t.same(inside.json(), { msg: 'Route GET /api/v1/missing not found', code: 'resource_not_found' })

  const chains = await app.inject({
    method: 'GET',
    url: '/api/v1/chains',
    headers: { authorization: basicAuth.js(SIWE_PROJECT.publishableKey) },
  })
  t.equal(chains.statusCode, 200)

  const discovery = await app.inject({
    method: 'GET',
    url: '/api/v1/.well-known/openid-configuration',
    headers: { host: 'auth.example.com' },
  })
  t.equal(discovery.statusCode, 200)
  t.match(
    discovery.json(),
    {
      issuer: 'http://app.test/api/v1',
      jwks_uri: 'http://app.test/api/v1/.well-known/jwks.json',
    },
    'the configured issuer, never the Host header',
  )
})

t.test('mounted without an issuer: refused at registration (issue 10 item 9)', async (t) => {
  t.throws(() => createAuthority({ projects: [SIWE_PROJECT], warn: () => {} }), {
    name: 'AuthorityConfigError',
    message: /issuer is required when the authority is mounted in your app/,
  })
})
