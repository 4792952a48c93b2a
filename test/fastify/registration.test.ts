/**
 * Where the gate applies: child scopes, registration order, scope-wide gates with opt-outs,
 * the hook the gate runs in, and composition with @fastify/auth.
 */
import fastifyAuth from '@fastify/auth'
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { PicketOptionsError } from 'fastify-picket'
import { PicketClient } from 'picket-core/client'
import t from 'tap'
import { PROJECT, startStack } from '../support/stack.js'

const stack = await startStack()
t.teardown(() => stack.close())
const verify = { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer }
const login = await stack.login(stack.outsider)
const bearer = { authorization: `Bearer ${login.accessToken}` }

t.test('routes in child scopes registered after the plugin are gated', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
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

t.test('a scope-wide gate via fastify.picket.gate(), with config.picket: false to opt out', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
  await app.register(async (scope) => {
    scope.addHook('preHandler', scope.picket.gate())
    scope.get('/private', async (request) => ({ wallet: request.picketUser?.walletAddress }))
    scope.get('/health', { config: { picket: false } }, async () => ({ ok: true }))
  })
  t.teardown(() => app.close())
  t.equal((await app.inject('/private')).statusCode, 401)
  t.same((await app.inject({ url: '/private', headers: bearer })).json(), { wallet: stack.outsider.address })
  t.equal((await app.inject('/health')).statusCode, 200)
  t.throws(() => app.picket.gate(false), PicketOptionsError)
})

t.test('gate() with requirements', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
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
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
  app.get('/same', async (request) => ({
    same: request.picket === app.picket,
    user: request.picketUser,
    token: request.picketToken,
  }))
  t.teardown(() => app.close())
  t.same((await app.inject('/same')).json(), { same: true, user: null, token: null })
  t.type(app.picket, PicketClient, "the client, with this registration's gate()")
  t.equal(app.picket.baseURL, stack.client.baseURL)
  const nonce = await app.picket.nonce({ walletAddress: stack.outsider.address, chain: 'localhost' })
  t.type(nonce.nonce, 'string', 'client methods work through the decorator')
})

for (const hook of ['onRequest', 'preValidation', 'preHandler'] as const) {
  t.test(`the gate runs in ${hook}`, async (t) => {
    const app = Fastify()
    await app.register(picket, { client: stack.client, chain: 'localhost', verify, hook })
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
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
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
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
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
  const viaKey = await app.inject({ url: '/either', headers: { 'x-api-key': 'let-me-in' } })
  t.equal(viaKey.statusCode, 200, 'api key path')
  t.notOk(viaKey.headers['www-authenticate'], 'a gate @fastify/auth passed over leaves no challenge behind')
  t.equal((await app.inject('/either')).statusCode, 401, 'neither')
  const custom = await app.inject('/custom')
  t.same(custom.json(), { custom: true, code: 'FST_PICKET_NO_TOKEN' })
  t.equal(
    custom.headers['www-authenticate'],
    'Bearer realm="picket"',
    'the challenge survives a custom handler',
  )
})

t.test('headers survive a custom error handler: 401 challenge, 403 scope, 503 Retry-After', async (t) => {
  // A JWKS endpoint that is down answers 404: tokens can't be checked, so 503.
  const down = Fastify()
  down.get('/jwks.json', async (_request, reply) => reply.code(404).send({ error: 'gone' }))
  await down.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => down.close())
  const app = Fastify()
  await app.register(async (scope) => {
    scope.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      reply.code(error.statusCode ?? 500).send({ failed: true })
    })
    await scope.register(picket, { client: stack.client, chain: 'localhost', verify })
    scope.get(
      '/pass',
      { config: { picket: { requirements: { contractAddress: stack.pass } } } },
      async () => ({}),
    )
    await scope.register(async (outage) => {
      await outage.register(picket, {
        client: stack.client,
        chain: 'localhost',
        verify: {
          ...verify,
          jwks: `http://127.0.0.1:${(down.server.address() as { port: number }).port}/jwks.json`,
        },
      })
      outage.get('/outage', { config: { picket: true } }, async () => ({}))
    })
  })
  t.teardown(() => app.close())
  const noToken = await app.inject('/pass')
  t.same([noToken.statusCode, noToken.json()], [401, { failed: true }])
  t.equal(noToken.headers['www-authenticate'], 'Bearer realm="picket"')
  const refused = await app.inject({ url: '/pass', headers: bearer })
  t.equal(refused.statusCode, 403)
  t.match(refused.headers['www-authenticate'], /error="insufficient_scope"/)
  const outage = await app.inject({ url: '/outage', headers: bearer })
  t.same([outage.statusCode, outage.json()], [503, { failed: true }])
  t.match(outage.headers['retry-after'], /^\d+$/)
})

t.test('nested registration: a child scope registers the plugin again with its own options', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify, realm: 'outer' })
  app.get('/outer', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser?.walletAddress,
    outerGate: request.picket === app.picket,
  }))
  let child: FastifyInstance | undefined
  await app.register(
    async (scope) => {
      child = scope
      // Another realm, remote verification and a requirement the outsider does not meet.
      await scope.register(picket, {
        client: stack.client,
        chain: 'localhost',
        realm: 'inner',
        incremental: false,
      })
      scope.get('/plain', { config: { picket: true } }, async (request) => ({
        innerGate: request.picket === scope.picket,
      }))
      scope.get(
        '/pass',
        { config: { picket: { requirements: { contractAddress: stack.pass } } } },
        async () => ({}),
      )
      await scope.register(async (grandchild) => {
        grandchild.get('/deeper', { config: { picket: true } }, async () => ({}))
      })
    },
    { prefix: '/inner' },
  )
  app.get('/outer-after', { config: { picket: true } }, async () => ({}))
  t.teardown(() => app.close())
  await app.ready()

  const realmOf = async (url: string) => (await app.inject(url)).headers['www-authenticate']
  t.equal(await realmOf('/outer'), 'Bearer realm="outer"')
  t.equal(
    await realmOf('/outer-after'),
    'Bearer realm="outer"',
    'the parent keeps its options after the child',
  )
  t.equal(await realmOf('/inner/plain'), 'Bearer realm="inner"', "the child's routes use the child's options")
  t.equal(await realmOf('/inner/deeper'), 'Bearer realm="inner"', 'and so do its own children')
  t.same((await app.inject({ url: '/outer', headers: bearer })).json(), {
    wallet: stack.outsider.address,
    outerGate: true,
  })
  t.same((await app.inject({ url: '/inner/plain', headers: bearer })).json(), { innerGate: true })
  t.equal((await app.inject({ url: '/inner/pass', headers: bearer })).statusCode, 403)
  t.not(child!.picket, app.picket, 'each scope sees its own registration')
  t.not(child!.picket.gate, app.picket.gate)
  t.equal(
    (await app.inject({ url: '/inner/plain', headers: bearer })).statusCode,
    200,
    'one gate per route: the parent registration steps aside',
  )
})

t.test('registering twice in the same scope is refused by name', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
  await t.rejects(
    async () => {
      await app.register(picket, { client: stack.client, chain: 'localhost', verify })
    },
    {
      code: 'FST_PICKET_OPTIONS',
      message: /already registered in this scope\. Register it again only in a child scope/,
    },
  )
  await app.close()
})

t.test(
  'a JWKS URL that does not work is named in a warning at ready, and in each 503 log line',
  async (t) => {
    const down = Fastify()
    down.get('/jwks.json', async (_request, reply) => reply.code(404).send({ error: 'gone' }))
    await down.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(() => down.close())
    const jwksUrl = `http://127.0.0.1:${(down.server.address() as { port: number }).port}/jwks.json`
    const logs: { level: number; msg: string; err?: { message?: string } }[] = []
    const app = Fastify({
      logger: { level: 'warn', stream: { write: (line: string) => logs.push(JSON.parse(line)) } },
    })
    await app.register(picket, {
      client: stack.client,
      chain: 'localhost',
      verify: { ...verify, jwks: jwksUrl },
    })
    app.get('/me', { config: { picket: true } }, async () => ({}))
    t.teardown(() => app.close())
    await app.ready()
    const warning = logs.find((line) => line.level === 40 && line.msg.includes('JWKS'))
    t.equal(
      warning?.msg,
      `fastify-picket: the JWKS at ${jwksUrl} could not be fetched: it answered HTTP 404; gated requests answer 503 until it can be fetched`,
    )
    const res = await app.inject({ url: '/me', headers: bearer })
    t.equal(res.statusCode, 503, 'startup succeeded; requests fail closed')
    const errorLine = logs.find((line) => line.level === 50)
    t.match(errorLine?.err?.message, `the JWKS at ${jwksUrl} could not be fetched: it answered HTTP 404`)
  },
)

t.test('cookie mode through @fastify/cookie, signed and unsigned', async (t) => {
  const { default: cookie } = await import('@fastify/cookie')
  const app = Fastify()
  await app.register(cookie, { secret: 'a-cookie-secret-for-tests-only' })
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
    verify,
    cookie: { name: 'picket', signed: true },
  })
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
  await app.register(picket, { client: stack.client, chain: 'localhost', verify, cookie: { name: 'picket' } })
  await t.rejects(async () => app.ready(), /@fastify\/cookie/)
})

t.test('extractToken as a custom source', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
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
