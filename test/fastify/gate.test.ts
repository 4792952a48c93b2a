/**
 * The route gate against the real stack (bundled authority, local EVM, real wallets), in both
 * verification modes: local (JWKS) and remote (`/auth/validate`).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { type PicketPluginOptions } from 'fastify-picket'
import { importJWK, SignJWT } from 'jose'
import t from 'tap'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
import { PROJECT, type Stack, startStack } from '../support/stack.js'

const stack: Stack = await startStack()
t.teardown(() => stack.close())

const holderLogin = await stack.login(stack.holder, { contractAddress: stack.pass })
const outsiderLogin = await stack.login(stack.outsider)
const privateKey = await importJWK(stack.signingJwk, 'ES256')

/** A token signed by the authority's own key with chosen claims (for expiry and shape cases). */
async function forge(claims: Record<string, unknown>) {
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: stack.signingJwk.kid! })
    .sign(privateKey)
  return withLowS(token)
}

const modes: Record<string, () => Partial<PicketPluginOptions>> = {
  local: () => ({ verify: { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer } }),
  remote: () => ({}),
}

async function buildApp(mode: string, extra: Partial<PicketPluginOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', ...modes[mode]!(), ...extra })
  app.get('/public', async () => ({ ok: true }))
  app.get('/me', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser?.walletAddress,
  }))
  app.get(
    '/pass',
    { config: { picket: { requirements: { contractAddress: stack.pass } } } },
    async (request) => ({
      wallet: request.picketUser!.walletAddress,
    }),
  )
  app.get(
    '/listed',
    { config: { picket: { requirements: { allowedWallets: [stack.outsider.address.toLowerCase()] } } } },
    async () => ({ ok: true }),
  )
  app.get('/optional', { config: { picket: { optional: true } } }, async (request) => ({
    user: request.picketUser?.walletAddress ?? null,
  }))
  return app
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

for (const mode of Object.keys(modes)) {
  t.test(`${mode} verification`, async (t) => {
    const app = await buildApp(mode)
    t.teardown(() => app.close())

    t.test('ungated routes are untouched', async (t) => {
      const res = await app.inject('/public')
      t.equal(res.statusCode, 200)
    })

    t.test('401 without a token, with a Bearer challenge', async (t) => {
      const res = await app.inject('/me')
      t.equal(res.statusCode, 401)
      t.equal(res.json().code, 'FST_PICKET_NO_TOKEN')
      t.equal(res.headers['www-authenticate'], 'Bearer realm="picket"')
    })

    t.test('200 for a signed-in wallet; claims on the request', async (t) => {
      const res = await app.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
      t.equal(res.statusCode, 200)
      t.same(res.json(), { wallet: stack.outsider.address })
    })

    t.test('scheme is case-insensitive', async (t) => {
      const res = await app.inject({
        url: '/me',
        headers: { authorization: `bearer ${outsiderLogin.accessToken}` },
      })
      t.equal(res.statusCode, 200)
    })

    t.test('401 invalid_token for a tampered token', async (t) => {
      const [header, payload, signature] = holderLogin.accessToken.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      claims.walletAddress = stack.outsider.address
      const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
      const res = await app.inject({ url: '/me', headers: bearer(tampered) })
      t.equal(res.statusCode, 401)
      t.equal(res.json().code, 'FST_PICKET_INVALID_TOKEN')
      t.match(
        res.headers['www-authenticate'],
        /^Bearer realm="picket", error="invalid_token", error_description="/,
      )
    })

    t.test('401 for an expired token', async (t) => {
      const now = Math.floor(Date.now() / 1000)
      const {
        iat: _iat,
        exp: _exp,
        ...claims
      } = JSON.parse(Buffer.from(holderLogin.accessToken.split('.')[1]!, 'base64url').toString())
      const expired = await forge({ ...claims, iat: now - 7200, exp: now - 3600 })
      const res = await app.inject({ url: '/me', headers: bearer(expired) })
      t.equal(res.statusCode, 401)
      t.equal(res.json().code, 'FST_PICKET_INVALID_TOKEN')
    })

    t.test('401 for a malformed header and for two Authorization headers', async (t) => {
      const res = await app.inject({ url: '/me', headers: { authorization: 'Bearer a b' } })
      t.equal(res.statusCode, 401)
      const twice = await app.inject({
        url: '/me',
        headers: { authorization: [`Bearer ${outsiderLogin.accessToken}`, 'Bearer x.y.z'] as never },
      })
      t.equal(twice.statusCode, 401)
    })

    t.test('403 insufficient_scope when requirements are not met', async (t) => {
      const res = await app.inject({ url: '/pass', headers: bearer(outsiderLogin.accessToken) })
      t.equal(res.statusCode, 403)
      t.equal(res.json().code, 'FST_PICKET_INSUFFICIENT_SCOPE')
      t.match(res.headers['www-authenticate'], /error="insufficient_scope"/)
    })

    t.test('200 when the token balances meet the requirements', async (t) => {
      const res = await app.inject({ url: '/pass', headers: bearer(holderLogin.accessToken) })
      t.equal(res.statusCode, 200)
      t.same(res.json(), { wallet: stack.holder.address })
    })

    t.test('allowedWallets is an alternative path (case-insensitive for EVM)', async (t) => {
      t.equal(
        (await app.inject({ url: '/listed', headers: bearer(outsiderLogin.accessToken) })).statusCode,
        200,
      )
      t.equal(
        (await app.inject({ url: '/listed', headers: bearer(holderLogin.accessToken) })).statusCode,
        403,
      )
    })

    t.test('optional routes: anonymous gets null, a token is still verified', async (t) => {
      t.same((await app.inject('/optional')).json(), { user: null })
      const signedIn = await app.inject({ url: '/optional', headers: bearer(outsiderLogin.accessToken) })
      t.same(signedIn.json(), { user: stack.outsider.address })
      t.equal((await app.inject({ url: '/optional', headers: bearer('x.y.z') })).statusCode, 401)
    })

    t.test('a token of the right shape minted for another project is refused', async (t) => {
      const claims = JSON.parse(Buffer.from(outsiderLogin.accessToken.split('.')[1]!, 'base64url').toString())
      const foreign = await forge({ ...claims, aud: 'another-project' })
      t.equal((await app.inject({ url: '/me', headers: bearer(foreign) })).statusCode, 401)
    })

    t.test('real HTTP on 127.0.0.1', async (t) => {
      const http = await buildApp(mode)
      await http.listen({ port: 0, host: '127.0.0.1' })
      t.teardown(() => http.close())
      const address = http.server.address() as { port: number }
      const url = `http://127.0.0.1:${address.port}`
      t.equal((await fetch(`${url}/pass`, { headers: bearer(holderLogin.accessToken) })).status, 200)
      t.equal((await fetch(`${url}/pass`, { headers: bearer(outsiderLogin.accessToken) })).status, 403)
      t.equal((await fetch(`${url}/pass`)).status, 401)
    })
  })
}

t.test('cache: a hit skips verification (remote mode counts /auth/validate calls)', async (t) => {
  const app = await buildApp('remote')
  t.teardown(() => app.close())
  const before = stack.calls.get('/auth/validate') ?? 0
  for (let i = 0; i < 5; i++) {
    t.equal((await app.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })).statusCode, 200)
  }
  t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 1, 'five requests, one validate call')
})

t.test('cache off: every request is verified', async (t) => {
  const app = await buildApp('remote', { cache: false })
  t.teardown(() => app.close())
  const before = stack.calls.get('/auth/validate') ?? 0
  for (let i = 0; i < 3; i++) await app.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
  t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 3)
})

t.test('N concurrent cold requests cause one verification', async (t) => {
  const app = await buildApp('remote')
  t.teardown(() => app.close())
  const fresh = await stack.login(stack.outsider)
  const before = stack.calls.get('/auth/validate') ?? 0
  const answers = await Promise.all(
    Array.from({ length: 25 }, () => app.inject({ url: '/me', headers: bearer(fresh.accessToken) })),
  )
  t.ok(answers.every((res) => res.statusCode === 200))
  t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 1)
})

t.test('cache entries end at exp', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const claims = JSON.parse(Buffer.from(outsiderLogin.accessToken.split('.')[1]!, 'base64url').toString())
  const shortLived = await forge({ ...claims, iat: now, exp: now + 2 })
  const app = await buildApp('local', {
    verify: { jwks: stack.jwksUrl, audience: PROJECT.id, clockTolerance: 0 },
  })
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/me', headers: bearer(shortLived) })).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, (now + 2) * 1000 - Date.now() + 50))
  t.equal(
    (await app.inject({ url: '/me', headers: bearer(shortLived) })).statusCode,
    401,
    'refused after exp',
  )
})

t.test('isRevoked runs on every request, cache hits included', async (t) => {
  const revoked = new Set<string>()
  let checks = 0
  const app = await buildApp('local', {
    isRevoked: (claims) => {
      checks++
      return revoked.has(claims.tid)
    },
  })
  t.teardown(() => app.close())
  const login = await stack.login(stack.outsider)
  t.equal((await app.inject({ url: '/me', headers: bearer(login.accessToken) })).statusCode, 200)
  const claims = JSON.parse(Buffer.from(login.accessToken.split('.')[1]!, 'base64url').toString())
  revoked.add(claims.tid)
  const res = await app.inject({ url: '/me', headers: bearer(login.accessToken) })
  t.equal(res.statusCode, 401)
  t.match(res.json().message, /revoked/)
  t.equal(checks, 2)
})

t.test(
  '503 with Retry-After when the API is down (remote) or the JWKS is (local, before warm-up)',
  async (t) => {
    const { PicketClient } = await import('picket-core/client')
    const deadClient = new PicketClient(PROJECT.secretKey, {
      baseURL: 'http://127.0.0.1:1/api/v1',
      retry: false,
    })
    const remote = Fastify()
    await remote.register(picket, { client: deadClient })
    remote.get('/me', { config: { picket: true } }, async () => ({}))
    const res = await remote.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
    t.equal(res.statusCode, 503)
    t.ok(Number(res.headers['retry-after']) >= 1)
    t.equal(res.json().code, 'FST_PICKET_UNAVAILABLE')

    const local = Fastify()
    await local.register(picket, {
      client: deadClient,
      verify: { jwks: 'http://127.0.0.1:1/jwks.json', audience: PROJECT.id, timeout: 500 },
    })
    local.get('/me', { config: { picket: true } }, async () => ({}))
    const res2 = await local.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
    t.equal(res2.statusCode, 503)
    t.ok(res2.headers['retry-after'])
  },
)

t.test('remote mode: garbage is refused before any round trip; audience is enforced', async (t) => {
  const app = await buildApp('remote')
  t.teardown(() => app.close())
  const before = stack.calls.get('/auth/validate') ?? 0
  for (const token of ['x.y.z', 'not-a-jwt', `${outsiderLogin.accessToken.split('.')[0]}.e30.sig`]) {
    t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401, token)
  }
  t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 0, 'no validate call for malformed tokens')

  const strict = await buildApp('remote', { audience: 'another-project' })
  t.teardown(() => strict.close())
  const res = await strict.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
  t.equal(res.statusCode, 401, 'the API accepted it for its project, the plugin wants another')
})

t.test('an isRevoked that throws fails closed with 503, not 500', async (t) => {
  const app = await buildApp('local', {
    isRevoked: () => {
      throw new Error('revocation store down')
    },
  })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/me', headers: bearer(outsiderLogin.accessToken) })
  t.equal(res.statusCode, 503)
  t.ok(res.headers['retry-after'])
})
