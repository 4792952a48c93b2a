/**
 * Two `picket()` instances on one app (e.g. a partner API in a router with its own sites, keys or
 * revocation): a route gate decides by its own instance's rules only, never by what another
 * instance identified for the same request. (Found by an attack pass: the partner route let a
 * token for the main site through, 200.)
 */
import express from 'express'
import { picket, picketErrorHandler, requireWallet } from 'express-picket'
import t, { type Test } from 'tap'
import { AUDIENCE, claimsFor, createSigningKey, ISSUER, mintToken } from '../support/token-factory.js'

const key = await createSigningKey()
const token = await mintToken(key, { ...claimsFor(), domain: 'localhost:3000' })
const base = {
  apiKey: 'sk_test',
  baseURL: 'http://127.0.0.1:9/api/v1',
  verify: { jwks: { keys: [key.publicJwk] }, audience: AUDIENCE, issuer: ISSUER },
  logger: { warn() {}, error() {} },
}

async function serve(t: Test, main: object, partner: object) {
  const app = express()
  app.use(picket({ ...base, allowedDomains: ['localhost:3000'], ...main }))
  app.get('/main', requireWallet(), (_req, res) => {
    res.json({ ok: true })
  })
  const router = express.Router()
  router.use(picket({ ...base, ...partner }))
  router.get('/secret', requireWallet(), (_req, res) => {
    res.json({ secret: true })
  })
  app.use('/partner', router)
  app.use(picketErrorHandler())
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  return (path: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } })
}

for (const [name, main] of [
  ['main instance without a cache', { cache: false }],
  ['main instance with the cache (first request)', {}],
] as const) {
  t.test(name, async (t) => {
    const partnerSites = await serve(t, main, { allowedDomains: ['partner.example'] })
    for (let i = 0; i < 3; i++) {
      t.equal((await partnerSites('/main')).status, 200, 'the main site accepts its token')
      const partner = await partnerSites('/partner/secret')
      t.equal(partner.status, 401, 'the partner instance refuses a token for another site')
      t.match(((await partner.json()) as { message: string }).message, /another site/)
    }
    const revoking = await serve(t, main, { allowedDomains: ['localhost:3000'], isRevoked: async () => true })
    t.equal((await revoking('/partner/secret')).status, 401, "the partner's revocation check is its own")
    const otherKeys = await createSigningKey()
    const strangerKeys = await serve(t, main, {
      allowedDomains: ['localhost:3000'],
      verify: { ...base.verify, jwks: { keys: [otherKeys.publicJwk] } },
    })
    t.equal((await strangerKeys('/partner/secret')).status, 401, "the partner's key set is its own")
  })
}
