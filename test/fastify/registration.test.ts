/**
 * Where the gate applies: child scopes, registration order, scope-wide gates with opt-outs,
 * the hook the gate runs in, and composition with @fastify/auth.
 */
import fastifyAuth from '@fastify/auth'
import Fastify from 'fastify'
import t from 'tap'
import picket from '../../src/fastify/index.js'
import { PROJECT, startStack } from './support/stack.js'

const stack = await startStack()
t.teardown(() => stack.close())
const verify = { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer }
const login = await stack.login(stack.outsider)
const bearer = { authorization: `Bearer ${login.accessToken}` }

t.test('routes in child scopes registered after the plugin are gated', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  await app.register(
    async (child) => {
      child.get('/inside', { config: { picket: true } }, async (request) => ({
        wallet: request.picketUser?.walletAddress,
      }))
      await child.register(async (grandchild) => {
        grandchild.get('/deeper', { config: { picket: true } }, async () => ({ ok: true }))
      })
    },
    { prefix: '/child' },
  )
  t.teardown(() => app.close())
  t.equal((await app.inject('/child/inside')).statusCode, 401)
  t.equal((await app.inject({ url: '/child/inside', headers: bearer })).statusCode, 200)
  t.equal((await app.inject('/child/deeper')).statusCode, 401)
  t.equal((await app.inject({ url: '/child/deeper', headers: bearer })).statusCode, 200)
  t.equal((await app.inject({ method: 'HEAD', url: '/child/inside' })).statusCode, 401, 'the HEAD route too')
})

t.test('a route added before the plugin is not gated (documented: register first)', async (t) => {
  const app = Fastify()
  app.get('/early', { config: { picket: true } }, async () => ({ early: true }))
  await app.register(picket, { client: stack.client, verify })
  t.teardown(() => app.close())
  t.equal((await app.inject('/early')).statusCode, 200)
})

t.test('a scope-wide gate via fastify.picket.gate(), with config.picket: false to opt out', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  await app.register(async (scope) => {
    scope.addHook('preHandler', scope.picket.gate())
    scope.get('/private', async (request) => ({ wallet: request.picketUser?.walletAddress }))
    scope.get('/health', { config: { picket: false } }, async () => ({ ok: true }))
  })
  t.teardown(() => app.close())
  t.equal((await app.inject('/private')).statusCode, 401)
  t.same((await app.inject({ url: '/private', headers: bearer })).json(), { wallet: stack.outsider.address })
  t.equal((await app.inject('/health')).statusCode, 200)
  t.throws(() => app.picket.gate(false), TypeError)
})

t.test('gate() with requirements', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  app.get(
    '/pass',
    { preHandler: app.picket.gate({ requirements: { contractAddress: stack.pass } }) },
    async () => ({}),
  )
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/pass', headers: bearer })).statusCode, 403)
})

t.test('decorators: fastify.picket and request.picket are the same client', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  app.get('/same', async (request) => ({
    same: request.picket === app.picket,
    user: request.picketUser,
    token: request.picketToken,
  }))
  t.teardown(() => app.close())
  t.same((await app.inject('/same')).json(), { same: true, user: null, token: null })
  t.equal(app.picket, stack.client)
  t.equal(typeof app.picket.nonce, 'function')
})

for (const hook of ['onRequest', 'preValidation', 'preHandler'] as const) {
  t.test(`the gate runs in ${hook}`, async (t) => {
    const app = Fastify()
    await app.register(picket, { client: stack.client, verify, hook })
    const seen: string[] = []
    app.addHook('preParsing', async (request) => {
      seen.push(`preParsing:${request.picketUser ? 'user' : 'none'}`)
    })
    app.post('/echo', { config: { picket: true } }, async () => ({ ok: true }))
    t.teardown(() => app.close())
    const denied = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })
    t.equal(denied.statusCode, 401)
    t.equal(seen.length, hook === 'onRequest' ? 0 : 1, 'onRequest refuses before the body is read')
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 }, headers: bearer })
    t.equal(res.statusCode, 200)
  })
}

t.test('user hooks on the route run after the gate and see picketUser', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  let seen: string | undefined
  app.get(
    '/hooked',
    {
      config: { picket: true },
      preHandler: async (request) => {
        seen = request.picketUser?.walletAddress
      },
    },
    async () => ({}),
  )
  t.teardown(() => app.close())
  await app.inject({ url: '/hooked', headers: bearer })
  t.equal(seen, stack.outsider.address)
})

t.test('errors compose with a custom error handler and with @fastify/auth', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify })
  await app.register(fastifyAuth)
  const apiKeyCheck = async (request: { headers: Record<string, unknown> }) => {
    if (request.headers['x-api-key'] !== 'let-me-in') throw new Error('no api key')
  }
  app.get('/either', { preHandler: app.auth([app.picket.gate(), apiKeyCheck as never]) }, async () => ({
    ok: true,
  }))
  app.register(async (scope) => {
    scope.setErrorHandler(async (error: { statusCode?: number; code?: string }, _request, reply) =>
      reply.code(error.statusCode ?? 500).send({ custom: true, code: error.code }),
    )
    scope.get('/custom', { config: { picket: true } }, async () => ({}))
  })
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/either', headers: bearer })).statusCode, 200, 'wallet path')
  t.equal(
    (await app.inject({ url: '/either', headers: { 'x-api-key': 'let-me-in' } })).statusCode,
    200,
    'api key path',
  )
  t.equal((await app.inject('/either')).statusCode, 401, 'neither')
  t.same((await app.inject('/custom')).json(), { custom: true, code: 'FST_PICKET_NO_TOKEN' })
})

t.test('cookie mode through @fastify/cookie, signed and unsigned', async (t) => {
  const { default: cookie } = await import('@fastify/cookie')
  const app = Fastify()
  await app.register(cookie, { secret: 'a-cookie-secret-for-tests-only' })
  await app.register(picket, { client: stack.client, verify, cookie: { name: 'picket', signed: true } })
  app.get('/me', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser?.walletAddress,
  }))
  t.teardown(() => app.close())
  const signed = app.signCookie(login.accessToken)
  const ok = await app.inject({ url: '/me', cookies: { picket: signed } })
  t.same(ok.json(), { wallet: stack.outsider.address })
  t.equal(
    (await app.inject({ url: '/me', cookies: { picket: login.accessToken } })).statusCode,
    401,
    'unsigned refused',
  )
  t.equal(
    (await app.inject({ url: '/me', cookies: { picket: signed }, headers: bearer })).statusCode,
    200,
    'same token twice',
  )
  const other = await stack.login(stack.holder)
  const conflict = await app.inject({
    url: '/me',
    cookies: { picket: signed },
    headers: { authorization: `Bearer ${other.accessToken}` },
  })
  t.equal(conflict.statusCode, 400, 'header and cookie disagree')
})

t.test('the cookie option without @fastify/cookie fails at ready', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, verify, cookie: { name: 'picket' } })
  await t.rejects(async () => app.ready(), /@fastify\/cookie/)
})

t.test('extractToken as a custom source', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    client: stack.client,
    verify,
    extractToken: (request) => request.headers['x-picket-token'] as string | undefined,
  })
  app.get('/me', { config: { picket: true } }, async () => ({ ok: true }))
  t.teardown(() => app.close())
  t.equal(
    (await app.inject({ url: '/me', headers: { 'x-picket-token': login.accessToken } })).statusCode,
    200,
  )
  t.equal((await app.inject('/me')).statusCode, 401)
})
