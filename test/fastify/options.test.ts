import Fastify from 'fastify'
import t from 'tap'
import { PicketClient } from '../../src/client/index.js'
import picket, { PicketOptionsError, type PicketPluginOptions } from '../../src/fastify/index.js'

const jwks = { keys: [] }

async function registerWith(options: unknown) {
  const app = Fastify()
  try {
    await app.register(picket, options as PicketPluginOptions)
    await app.ready()
  } finally {
    await app.close()
  }
}

t.test('bad options are a typed error naming the option', async (t) => {
  const cases: [unknown, string][] = [
    [{}, 'apiKey'],
    [{ apiKey: '' }, 'apiKey'],
    [{ client: {} }, 'client'],
    [{ apiKey: 'k', baseURL: 5 }, 'baseURL'],
    [{ apiKey: 'k', verify: 'x' }, 'verify'],
    [{ apiKey: 'k', verify: { jwks: 'not a url', audience: 'a' } }, 'verify.jwks'],
    [{ apiKey: 'k', verify: { jwks: { nope: 1 }, audience: 'a' } }, 'verify.jwks'],
    [{ apiKey: 'k', verify: { jwks, audience: '' } }, 'verify.audience'],
    [{ apiKey: 'k', verify: { jwks, audience: 'a', issuer: 1 } }, 'verify.issuer'],
    [{ apiKey: 'k', verify: { jwks, audience: 'a', algorithms: [] } }, 'verify.algorithms'],
    [{ apiKey: 'k', verify: { jwks, audience: 'a', algorithms: ['HS256'] } }, 'verify.algorithms'],
    [{ apiKey: 'k', verify: { jwks, audience: 'a', algorithms: ['none'] } }, 'verify.algorithms'],
    [{ apiKey: 'k', audience: '' }, 'audience'],
    [{ apiKey: 'k', cache: 'big' }, 'cache'],
    [{ apiKey: 'k', cache: { max: -1 } }, 'cache.max'],
    [{ apiKey: 'k', cache: { ttl: 1.5 } }, 'cache.ttl'],
    [{ apiKey: 'k', revalidateCache: 1 }, 'revalidateCache'],
    [{ apiKey: 'k', hook: 'onSend' }, 'hook'],
    [{ apiKey: 'k', extractToken: 'header' }, 'extractToken'],
    [{ apiKey: 'k', isRevoked: true }, 'isRevoked'],
    [{ apiKey: 'k', incremental: 'yes' }, 'incremental'],
    [{ apiKey: 'k', realm: 'a"b' }, 'realm'],
    [{ apiKey: 'k', cookie: {} }, 'cookie'],
    [{ apiKey: 'k', cookie: { name: 'c', sameSite: 'loose' } }, 'cookie.sameSite'],
    [{ apiKey: 'k', routes: true }, 'routes'],
    [{ apiKey: 'k', routes: {} }, 'routes.allowedDomains'],
    [{ apiKey: 'k', routes: { allowedDomains: [] } }, 'routes.allowedDomains'],
    [{ apiKey: 'k', routes: { allowedDomains: [''] } }, 'routes.allowedDomains'],
    [{ apiKey: 'k', routes: { allowedDomains: ['a'], prefix: 'auth' } }, 'routes.prefix'],
    [{ apiKey: 'k', routes: { allowedDomains: ['a'], setCookie: true } }, 'routes.setCookie'],
    [{ apiKey: 'k', routes: { allowedDomains: ['a'], setCookie: 'y' } }, 'routes.setCookie'],
    [{ apiKey: 'k', routes: { allowedDomains: ['a'], routeOptions: 1 } }, 'routes.routeOptions'],
    [{ apiKey: 'k', routes: { allowedDomains: ['a'], maxMessageAge: -5 } }, 'routes.maxMessageAge'],
    [
      { apiKey: 'k', routes: { allowedDomains: ['a'], requirements: { allowedWallets: 'x' } } },
      'routes.requirements.allowedWallets',
    ],
  ]
  for (const [options, option] of cases) {
    try {
      await registerWith(options)
      t.fail(`accepted ${JSON.stringify(options)}`)
    } catch (error) {
      t.type(error, PicketOptionsError, JSON.stringify(options))
      t.equal((error as { code: string }).code, 'FST_PICKET_OPTIONS')
      t.match((error as Error).message, `invalid option ${option}:`, JSON.stringify(options))
    }
  }
})

t.test('bad route config fails at registration, naming the route', async (t) => {
  const cases: [unknown, string][] = [
    ['yes', 'config.picket of GET /r'],
    [{ optional: 'no' }, 'config.picket of GET /r.optional'],
    [{ requirements: { minTokenBalance: -1 } }, 'config.picket of GET /r.requirements.minTokenBalance'],
  ]
  for (const [config, option] of cases) {
    const app = Fastify()
    await app.register(picket, { apiKey: 'k' })
    try {
      app.get('/r', { config: { picket: config as never } }, async () => ({}))
      await app.ready()
      t.fail('accepted')
    } catch (error) {
      t.type(error, PicketOptionsError)
      t.match((error as Error).message, option)
    } finally {
      await app.close()
    }
  }
})

t.test('good options register: apiKey + baseURL builds a client', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    apiKey: 'sk_x',
    baseURL: 'http://127.0.0.1:8787/api/v1',
    clientOptions: { timeout: 1000 },
    verify: {
      jwks: 'http://127.0.0.1:8787/api/v1/.well-known/jwks.json',
      audience: 'p',
      algorithms: ['ES256'],
    },
    cache: { max: 10, ttl: 1000 },
    revalidateCache: { ttl: 0 },
    realm: 'my-api',
    routes: { allowedDomains: ['localhost:3000'], prefix: '/auth/' },
  })
  t.teardown(() => app.close())
  await app.ready()
  t.type(app.picket, PicketClient)
  t.equal(app.picket.baseURL, 'http://127.0.0.1:8787/api/v1')
  t.ok(app.hasRoute({ method: 'POST', url: '/auth/login' }), 'trailing slash of the prefix dropped')
  const res = await app.inject('/auth/me')
  t.equal(res.headers['www-authenticate'], 'Bearer realm="my-api"')
})

t.test('the plugin declares its name and Fastify version', async (t) => {
  const meta = (picket as unknown as Record<symbol, { name: string; fastify: string }>)[
    Symbol.for('plugin-meta')
  ]
  t.equal(meta?.name, 'fastify-picket')
  t.equal(meta?.fastify, '5.x')
})
