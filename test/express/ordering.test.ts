/**
 * A route meant to be gated never runs its handler because of a middleware ordering mistake, in
 * Express 5 and Express 4.21 alike. What Express lets us see is refused: a gate that meets a
 * request before `picket()` (500, per request), a gate placed after the route's handler (found in
 * the router stack at the first request: every request refused until fixed; `assertGatedRoutes`
 * finds it at startup), a factory mounted without being called, cookie-parser missing. Over real
 * HTTP, with real ES256 tokens on a static key set.
 */
import type { Server } from 'node:http'
import cookieParser from 'cookie-parser'
import express5 from 'express'
import { assertGatedRoutes, picket, picketErrorHandler, picketRouter, requireWallet } from 'express-picket'
import express4 from 'express4'
import t, { type Test } from 'tap'
import { AUDIENCE, claimsFor, createSigningKey, ISSUER, mintToken } from '../support/token-factory.js'

const key = await createSigningKey()
const token = await mintToken(key, claimsFor({ domain: 'localhost:3000' } as never))
const options = () => ({
  apiKey: 'sk_test',
  baseURL: 'http://127.0.0.1:9/api/v1',
  verify: { jwks: { keys: [key.publicJwk] }, audience: AUDIENCE, issuer: ISSUER },
  allowedDomains: ['localhost:3000'],
  logger: { warn() {}, error() {} },
})

type Express = typeof express5
const EXPRESSES: [string, Express][] = [
  ['express 5', express5],
  ['express 4', express4 as unknown as Express],
]

async function listen(
  app: ReturnType<Express>,
  t: Test,
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  return (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
}
const bearer = { headers: { authorization: `Bearer ${token}` } }

for (const [name, express] of EXPRESSES) {
  t.test(name, async (t) => {
    t.test('the gate works: 401 without a token, 200 with one, refusals as RFC 6750 JSON', async (t) => {
      const app = express()
      app.use(picket(options()))
      app.get('/me', requireWallet(), (req, res) => {
        res.json({ wallet: req.picketUser?.walletAddress })
      })
      app.use(picketErrorHandler())
      const get = await listen(app, t)
      const refused = await get('/me')
      t.equal(refused.status, 401)
      t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="picket"')
      t.equal(((await refused.json()) as { code: string }).code, 'PICKET_NO_TOKEN')
      const passed = await get('/me', bearer)
      t.equal(passed.status, 200)
      t.equal(((await passed.json()) as { wallet: string }).wallet, claimsFor().walletAddress)
    })

    t.test(
      "without picketErrorHandler, Express's own handler still sends the status and challenge",
      async (t) => {
        const app = express()
        app.use(picket(options()))
        app.get('/me', requireWallet(), (_req, res) => {
          res.json({})
        })
        const get = await listen(app, t)
        const refused = await get('/me', { headers: { authorization: 'Bearer x.y.z' } })
        t.equal(refused.status, 401)
        t.match(refused.headers.get('www-authenticate'), /error="invalid_token"/)
      },
    )

    t.test('a gate before picket() refuses with 500 and the fix; the handler never runs', async (t) => {
      let ran = 0
      const app = express()
      app.get('/early', requireWallet(), (_req, res) => {
        ran++
        res.json({})
      })
      app.use(picket(options()))
      const get = await listen(app, t)
      const answer = await get('/early', bearer)
      t.equal(answer.status, 500)
      t.equal(ran, 0)
    })

    t.test(
      'a gate after the handler is found: every request refused; assertGatedRoutes throws',
      async (t) => {
        let ran = 0
        const app = express()
        app.use(picket(options()))
        app.get('/ok', requireWallet(), (_req, res) => {
          res.json({})
        })
        const nested = express.Router()
        nested.get(
          '/late',
          (_req, res) => {
            ran++
            res.json({ secret: true })
          },
          requireWallet(),
        )
        app.use('/nested', nested)
        t.throws(
          () => assertGatedRoutes(app),
          /GET \/late: requireWallet\(\) comes after the route's handler/,
        )
        const get = await listen(app, t)
        const late = await get('/nested/late')
        t.equal(late.status, 500, 'the ungated handler is not reached')
        t.equal(ran, 0)
        t.equal((await get('/ok', bearer)).status, 500, 'nor is any other route, until it is fixed')
      },
    )

    t.test(
      'a sub-app hides its routes: picket() says so, assertGatedRoutes(subApp) finds its mistakes',
      async (t) => {
        const warnings: string[] = []
        const app = express()
        app.use(picket({ ...options(), logger: { warn: (m: string) => warnings.push(m), error() {} } }))
        const sub = express()
        sub.get(
          '/x',
          (_req, res) => {
            res.json({})
          },
          requireWallet(),
        )
        app.use('/sub', sub)
        t.throws(() => assertGatedRoutes(sub), /GET \/x: requireWallet\(\) comes after/)
        const get = await listen(app, t)
        await get('/sub/x')
        t.match(
          warnings.join('\n'),
          /1 app\(s\) are mounted with app\.use\(subApp\).*assertGatedRoutes\(subApp\)/,
        )
      },
    )

    t.test('assertGatedRoutes passes a well-ordered app', async (t) => {
      const app = express()
      app.use(picket(options()))
      app.get('/a', requireWallet(), (_req, res) => {
        res.json({})
      })
      app.use('/auth', picketRouter())
      t.doesNotThrow(() => assertGatedRoutes(app))
    })

    t.test('a factory mounted without calling it refuses instead of passing', async (t) => {
      let ran = 0
      const app = express()
      app.use(picket(options()))
      app.get('/uncalled', requireWallet as never, (_req: unknown, res: { json(v: unknown): void }) => {
        ran++
        res.json({})
      })
      const get = await listen(app, t)
      t.equal((await get('/uncalled', bearer)).status, 500)
      t.equal(ran, 0)
      const bare = express()
      bare.use(picket as never)
      bare.get('/x', requireWallet(), (_req, res) => {
        res.json({})
      })
      const getBare = await listen(bare, t)
      t.equal((await getBare('/x', bearer)).status, 500)
    })

    t.test('a gate with app.use() gates what comes after it', async (t) => {
      const app = express()
      app.use(picket(options()))
      app.get('/open', (_req, res) => {
        res.json({})
      })
      app.use(requireWallet())
      app.get('/closed', (_req, res) => {
        res.json({})
      })
      const get = await listen(app, t)
      t.equal((await get('/open')).status, 200)
      t.equal((await get('/closed')).status, 401)
      t.equal((await get('/closed', bearer)).status, 200)
    })

    t.test('a cookie option without cookie-parser before picket() refuses, naming it', async (t) => {
      const errors: string[] = []
      const app = express()
      app.use(
        picket({
          ...options(),
          cookie: { name: 'session' },
          logger: { warn() {}, error: (m: string) => errors.push(m) },
        }),
      )
      app.use(cookieParser())
      app.get('/me', requireWallet(), (_req, res) => {
        res.json({})
      })
      const get = await listen(app, t)
      t.equal((await get('/me', bearer)).status, 500)
      t.match(errors.join('\n'), /cookie: needs cookie-parser mounted before picket\(\)/)
    })

    t.test('the helper router before picket() refuses with 500', async (t) => {
      const app = express()
      app.use('/auth', picketRouter())
      app.use(picket(options()))
      const get = await listen(app, t)
      t.equal((await get('/auth/me', bearer)).status, 500)
    })
  })
}
