/**
 * No route that asks for a gate runs without one (issue 9). Each of the three ordinary
 * mistakes — the plugin not awaited, a route declared before the plugin, a route in a scope
 * that never registered it — answered 200 without a token before; now `ready` fails naming the
 * route, the cause and the fix. An app created before the package was imported falls back to a
 * request-time refusal.
 */
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import picket, { PicketUngatedRouteError } from 'fastify-picket'
import t from 'tap'
import { SOURCE_NODE_ARGS } from '../support/source-process.js'
import { UNRELATED_JWKS } from '../support/static-jwks.js'

const local = { apiKey: 'sk_test', verify: { jwks: UNRELATED_JWKS, audience: 'p' } }
const FIX =
  "Fix: register the plugin with `await app.register(picket, options)` before declaring gated routes, in the route's scope or a parent scope."

async function readyError(
  app: ReturnType<typeof Fastify>,
): Promise<Error & { routes?: string[]; code?: string }> {
  try {
    await app.ready()
  } catch (error) {
    return error as Error
  } finally {
    await app.close()
  }
  throw new Error('ready() succeeded')
}

t.test('plugin registered without await, then a gated route: ready fails', async (t) => {
  const app = Fastify()
  void app.register(picket, local)
  app.get('/x', { config: { picket: true } }, async () => ({ open: true }))
  const error = await readyError(app)
  t.type(error, PicketUngatedRouteError)
  t.equal(error.code, 'FST_PICKET_UNGATED_ROUTE')
  t.same(error.routes, ['GET /x', 'HEAD /x'])
  t.equal(
    error.message,
    [
      'fastify-picket: 2 routes declare config.picket but their gates do not run as declared, so they could answer without the gate:',
      '  GET /x: it was declared before fastify-picket was registered in its scope (was `app.register(picket, …)` awaited?)',
      '  HEAD /x: it was declared before fastify-picket was registered in its scope (was `app.register(picket, …)` awaited?)',
      FIX,
    ].join('\n'),
  )
})

t.test('a route declared before the plugin: ready fails', async (t) => {
  const app = Fastify()
  app.post(
    '/early',
    {
      config: {
        picket: { requirements: { allowedWallets: ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'] } },
      },
    },
    async () => ({}),
  )
  await app.register(picket, local)
  app.get('/after', { config: { picket: true } }, async () => ({}))
  const error = await readyError(app)
  t.same(error.routes, ['POST /early'], 'only the early route; the one after the plugin is gated')
})

t.test('a route in a sibling scope that never registered the plugin: ready fails', async (t) => {
  const app = Fastify()
  await app.register(
    async (api) => {
      await api.register(picket, local)
      api.get('/inside', { config: { picket: true } }, async () => ({}))
    },
    { prefix: '/api' },
  )
  await app.register(
    async (other) => {
      other.get('/outside', { config: { picket: true }, exposeHeadRoute: false }, async () => ({}))
    },
    { prefix: '/other' },
  )
  const error = await readyError(app)
  t.same(error.routes, ['GET /other/outside'])
  t.match(
    error.message,
    "GET /other/outside: fastify-picket is registered in another scope, not in this route's scope",
  )
})

t.test('config.picket in an app that never registers the plugin: ready fails', async (t) => {
  const app = Fastify()
  app.get('/x', { config: { picket: { optional: true } }, exposeHeadRoute: false }, async () => ({}))
  const error = await readyError(app)
  t.match(error.message, 'GET /x: fastify-picket is not registered in this app')
})

t.test('correct setups start: routes after the plugin, child scopes, opt-outs, plain routes', async (t) => {
  const app = Fastify()
  app.get('/before-but-open', async () => ({}))
  app.get('/opt-out-before', { config: { picket: false } }, async () => ({}))
  await app.register(picket, local)
  app.get('/gated', { config: { picket: true } }, async () => ({}))
  await app.register(async (child) => {
    child.get('/child', { config: { picket: { optional: true } } }, async () => ({}))
  })
  t.teardown(() => app.close())
  await app.ready()
  t.equal((await app.inject('/gated')).statusCode, 401)
  t.equal((await app.inject('/child')).statusCode, 200)
  t.equal((await app.inject('/before-but-open')).statusCode, 200)
})

t.test('an app created before fastify-picket was imported: the route is refused per request', async (t) => {
  const fixture = resolve(import.meta.dirname, 'fixtures/late-import.ts')
  const { stdout } = await promisify(execFile)(process.execPath, [...SOURCE_NODE_ARGS, fixture], {
    timeout: 60_000,
  })
  const result = JSON.parse(stdout) as {
    early: { status: number; body: { code: string; message: string } }
    late: { status: number }
    open: { status: number }
    logs: { level: number; msg: string }[]
  }
  t.equal(result.early.status, 500, 'the ungated route never runs its handler')
  t.equal(result.early.body.code, 'FST_PICKET_UNGATED_ROUTE')
  t.match(result.early.body.message, 'see the server log')
  t.equal(result.late.status, 401, 'a route declared after the plugin is gated as usual')
  t.equal(result.open.status, 200)
  t.ok(
    result.logs.some(
      (line) => line.level === 40 && line.msg.includes('created before fastify-picket was imported'),
    ),
    'a warning at registration says startup checks are off',
  )
  t.ok(
    result.logs.some(
      (line) =>
        line.level === 50 &&
        line.msg.includes('GET /early declares config.picket but its gate does not run') &&
        line.msg.includes('Fix:'),
    ),
    'the refusal is logged with the route and the fix',
  )
})

t.test(
  'a route declared in a child scope before its own registration: ready fails (it would use the parent registration)',
  async (t) => {
    const app = Fastify()
    await app.register(picket, { ...local, realm: 'main' })
    await app.register(
      async (partner) => {
        partner.get('/early', { config: { picket: true }, exposeHeadRoute: false }, async () => ({}))
        await partner.register(picket, { ...local, realm: 'partner' })
        partner.get('/late', { config: { picket: true }, exposeHeadRoute: false }, async () => ({}))
      },
      { prefix: '/partner' },
    )
    const error = await readyError(app)
    t.same(error.routes, ['GET /partner/early'])
    t.match(error.message, 'it is gated by an outer fastify-picket registration')
  },
)

t.test(
  'an onRoute hook added after the plugin that removes the gate or rewrites config.picket: ready fails',
  async (t) => {
    const removes = Fastify()
    await removes.register(picket, local)
    removes.addHook('onRoute', (route) => {
      route.preHandler = [async () => {}]
    })
    removes.get('/x', { config: { picket: true }, exposeHeadRoute: false }, async () => ({}))
    const removed = await readyError(removes)
    t.match(removed.message, 'GET /x: its gate was removed from route.preHandler')

    const rewrites = Fastify()
    await rewrites.register(picket, local)
    rewrites.addHook('onRoute', (route) => {
      if (route.url.startsWith('/admin')) route.config = { ...route.config, picket: { optional: true } }
    })
    rewrites.get('/admin/x', { config: { picket: true }, exposeHeadRoute: false }, async () => ({}))
    rewrites.get('/admin/y', { exposeHeadRoute: false }, async () => ({}))
    const rewritten = await readyError(rewrites)
    t.same(rewritten.routes, ['GET /admin/x', 'GET /admin/y'])
    t.match(rewritten.message, 'GET /admin/x: its config.picket was changed after fastify-picket read it')
    t.match(rewritten.message, 'GET /admin/y: its config.picket was set after fastify-picket read the route')
  },
)
