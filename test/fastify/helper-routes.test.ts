/**
 * The helper routes (`/auth/nonce`, `/auth/login`, `/auth/authz`, `/auth/me`, `/auth/logout`)
 * over real HTTP on 127.0.0.1, against the bundled authority with real wallet signatures.
 */
import cookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { type PicketPluginOptions } from 'fastify-picket'
import { createSigningMessage } from 'picket-core'
import t from 'tap'
import { DOMAIN, PROJECT, startStack } from '../support/stack.js'

const stack = await startStack()
t.teardown(() => stack.close())
const verify = { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer }

async function serve(
  routes: Partial<NonNullable<PicketPluginOptions['routes']>> = {},
  extra: Partial<PicketPluginOptions> = {},
) {
  const app: FastifyInstance = Fastify()
  await app.register(cookie)
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
    verify,
    cookie: { name: 'picket_session', secure: false },
    allowedDomains: [DOMAIN],
    routes: { ...routes },
    ...extra,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${port}`
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
  }
  return { app, call }
}

/** What a browser front end does: /auth/nonce, build the SIWE message, sign it. */
async function signIn(
  call: Awaited<ReturnType<typeof serve>>['call'],
  account = stack.holder,
  issuedAt = new Date().toISOString(),
  domain = DOMAIN,
) {
  const nonce = await call('POST', '/auth/nonce', { chain: 'localhost', walletAddress: account.address })
  const context = {
    domain,
    uri: `http://${domain}`,
    issuedAt,
    chainId: stack.chain.chainId,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({ ...nonce.body, walletAddress: account.address, ...context })
  const signature = await account.signMessage({ message })
  return { nonce, body: { chain: 'localhost', walletAddress: account.address, signature, context } }
}

t.test('nonce → sign → login → me → authz → logout', async (t) => {
  const { app, call } = await serve({ setCookie: true })
  t.teardown(() => app.close())
  const { nonce, body } = await signIn(call)
  t.equal(nonce.status, 200)
  t.same(Object.keys(nonce.body).sort(), ['format', 'nonce', 'statement'])
  t.equal(nonce.body.format, 'siwe')

  const login = await call('POST', '/auth/login', body)
  t.equal(login.status, 200)
  t.equal(login.body.user.walletAddress, stack.holder.address)
  const setCookie = login.headers.get('set-cookie') ?? ''
  t.match(setCookie, /^picket_session=/)
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Lax/)

  const me = await call('GET', '/auth/me', undefined, { authorization: `Bearer ${login.body.accessToken}` })
  t.equal(me.status, 200)
  t.equal(me.body.sub, `localhost:${stack.holder.address}`)
  t.equal(me.body.aud, PROJECT.id)

  const viaCookie = await call('GET', '/auth/me', undefined, { cookie: setCookie.split(';')[0]! })
  t.equal(viaCookie.status, 200, 'the cookie works as a credential')

  const authz = await call(
    'POST',
    '/auth/authz',
    { requirements: { contractAddress: stack.pass } },
    { authorization: `Bearer ${login.body.accessToken}` },
  )
  t.equal(authz.status, 200)
  t.same(authz.body.user.tokenBalances, { contractAddress: { [stack.pass]: '1' } })

  const forged = await call('POST', '/auth/logout', undefined, { origin: 'https://evil.example' })
  t.equal(forged.status, 403, 'a cookie session is not ended from another site')
  t.equal(forged.body.code, 'FST_PICKET_FORBIDDEN_ORIGIN')
  const logout = await call('POST', '/auth/logout', undefined, { origin: `http://${DOMAIN}` })
  t.equal(logout.status, 200)
  t.match(logout.headers.get('set-cookie') ?? '', /picket_session=;/)
})

t.test('login requirements come from the server options, never from the body', async (t) => {
  const { app, call } = await serve({}, { requirements: { contractAddress: stack.pass } })
  t.teardown(() => app.close())
  const outsider = await signIn(call, stack.outsider)
  const smuggled = { ...outsider.body, requirements: {} }
  const res = await call('POST', '/auth/login', smuggled)
  t.equal(res.status, 403, 'the outsider does not hold the pass')
  const holder = await signIn(call, stack.holder)
  const ok = await call('POST', '/auth/login', holder.body)
  t.equal(ok.status, 200)
  t.same(ok.body.user.tokenBalances, { contractAddress: { [stack.pass]: '1' } })
})

t.test('login refuses a foreign domain and stale or future issuedAt before calling the API', async (t) => {
  const { app, call } = await serve({}, { allowedDomains: [/^localhost:\d+$/] })
  t.teardown(() => app.close())
  const before = stack.calls.get('/auth') ?? 0
  const foreign = await signIn(call, stack.holder, new Date().toISOString(), 'evil.example')
  const res = await call('POST', '/auth/login', foreign.body)
  t.equal(res.status, 400)
  t.match(res.body.message, /context.domain 'evil.example' is not a site this server accepts logins for/)
  const stale = await signIn(call, stack.holder, new Date(Date.now() - 10 * 60_000).toISOString())
  t.equal((await call('POST', '/auth/login', stale.body)).status, 400)
  const future = await signIn(call, stack.holder, new Date(Date.now() + 10 * 60_000).toISOString())
  t.equal((await call('POST', '/auth/login', future.body)).status, 400)
  const garbage = { ...stale.body, context: { ...stale.body.context, issuedAt: 'yesterday' } }
  t.equal((await call('POST', '/auth/login', garbage)).status, 400)
  t.equal((stack.calls.get('/auth') ?? 0) - before, 0, 'nothing was forwarded')
  t.match(
    (await call('POST', '/auth/login', { ...stale.body, context: { uri: 'x' } })).body.message,
    /domain/,
  )
})

t.test('allowedDomains as a function', async (t) => {
  const { app, call } = await serve({}, { allowedDomains: (domain: string) => domain === DOMAIN })
  t.teardown(() => app.close())
  const { body } = await signIn(call)
  t.equal((await call('POST', '/auth/login', body)).status, 200)
})

t.test('a bad signature is 401; a replayed one too', async (t) => {
  const { app, call } = await serve()
  t.teardown(() => app.close())
  const { body } = await signIn(call)
  const wrong = await call('POST', '/auth/login', { ...body, signature: `0x${'11'.repeat(65)}` })
  t.equal(wrong.status, 401)
  t.equal(wrong.body.code, 'FST_PICKET_LOGIN_FAILED')
  t.match(wrong.body.message, /Invalid signature/)
  t.equal(wrong.headers.get('www-authenticate'), null, 'no Bearer challenge: no token was involved')
  t.equal((await call('POST', '/auth/login', body)).status, 200)
  t.equal((await call('POST', '/auth/login', body)).status, 401, 'the nonce was consumed')
})

t.test('bad input is a 400 with a message, never a 500', async (t) => {
  const { app, call } = await serve()
  t.teardown(() => app.close())
  const cases: [string, string, unknown][] = [
    ['POST', '/auth/nonce', {}],
    ['POST', '/auth/nonce', { walletAddress: 5 }],
    ['POST', '/auth/nonce', { walletAddress: 'x'.repeat(500) }],
    ['POST', '/auth/nonce', '{"walletAddress": '],
    ['POST', '/auth/login', { walletAddress: '0x1' }],
    ['POST', '/auth/login', { walletAddress: '0x1', signature: '0x', context: 'x' }],
    ['POST', '/auth/nonce', { walletAddress: 'not-an-address', chain: 'localhost' }],
    ['POST', '/auth/nonce', { walletAddress: stack.holder.address, chain: 'no-such-chain' }],
  ]
  for (const [method, path, body] of cases) {
    const res = await call(method, path, body)
    t.ok(res.status >= 400 && res.status < 500, `${path} ${JSON.stringify(body)} → ${res.status}`)
    t.type(res.body.message, 'string')
  }
  const authz = await call(
    'POST',
    '/auth/authz',
    { requirements: { minTokenBalance: 'lots' } },
    {
      authorization: `Bearer ${(await stack.login(stack.holder)).accessToken}`,
    },
  )
  t.equal(authz.status, 400)
  t.match(authz.body.message, /minTokenBalance/)
  t.equal((await call('POST', '/auth/authz', { requirements: {} })).status, 401, 'authz needs a token')
  t.equal((await call('GET', '/auth/me')).status, 401)
})

t.test('503 with Retry-After when the API is down', async (t) => {
  const { PicketClient } = await import('picket-core/client')
  const { app, call } = await serve(
    {},
    { client: new PicketClient('sk', { baseURL: 'http://127.0.0.1:1/api/v1', retry: false }) },
  )
  t.teardown(() => app.close())
  const res = await call('POST', '/auth/nonce', { walletAddress: stack.holder.address })
  t.equal(res.status, 503)
  t.ok(res.headers.get('retry-after'))
})

t.test('routeOptions and prefix are applied to every helper route', async (t) => {
  const seen: string[] = []
  const { app, call } = await serve({
    prefix: '/wallet',
    routeOptions: {
      onRequest: async (request) => {
        seen.push(request.url)
      },
    },
  })
  t.teardown(() => app.close())
  t.equal((await call('POST', '/wallet/nonce', { walletAddress: stack.holder.address })).status, 200)
  t.equal((await call('POST', '/auth/nonce', { walletAddress: stack.holder.address })).status, 404)
  t.same(seen, ['/wallet/nonce'])
})
