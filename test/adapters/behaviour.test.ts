/**
 * The contract both adapters promise, as one table run against the Fastify plugin and the Express
 * middleware over real HTTP on 127.0.0.1 (bundled authority, in-process EVM, real wallets): status
 * codes, challenges, optional routes, chains, domains, hostile tokens, incremental authorization and
 * revalidation, the cache, revocation, cookies, failing closed, and the helper routes. Every case
 * also checks that the two adapters answer alike (status, code, message, challenge), so they
 * cannot drift apart. Adapter-specific behaviour (Fastify encapsulation, Express ordering) is
 * tested in test/fastify and test/express.
 */
import { createServer } from 'node:net'
import { importJWK, SignJWT } from 'jose'
import { createSigningMessage } from 'picket-core'
import type { PicketServerOptions } from 'picket-core/server'
import t, { type Test } from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
import { prepareSiweLogin } from '../../tools/siwe-login.js'
import { DOMAIN, PROJECT, type Stack, startStack } from '../support/stack.js'
import { createSigningKey } from '../support/token-factory.js'
import {
  ADAPTERS,
  type Adapter,
  type Answer,
  type RouteSpec,
  type Served,
  type ServeOptions,
} from './support/adapters.js'

const stack: Stack = await startStack()
t.teardown(() => stack.close())

const verify = { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer }
const base = { client: stack.client, chain: 'localhost', allowedDomains: [DOMAIN] }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

const holderPass = (await stack.login(stack.holder, { contractAddress: stack.pass })).accessToken
const outsider = (await stack.login(stack.outsider)).accessToken
const holderPlain = (await stack.login(stack.holder)).accessToken

const authorityKey = await importJWK(stack.signingJwk, 'ES256')
const strangerKey = await createSigningKey()
/** A token signed with the authority's own key (or a stranger's), claims changed from a real one. */
async function forge(changes: Record<string, unknown>, key = authorityKey, kid = stack.signingJwk.kid!) {
  const claims = { ...decode(outsider), ...changes }
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  return withLowS(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).sign(key))
}
const now = Math.floor(Date.now() / 1000)
const forged = {
  expired: await forge({ iat: now - 7200, exp: now - 3600 }),
  otherChain: await forge({ chain: 'ethereum', sub: `ethereum:${stack.outsider.address}` }),
  otherSite: await forge({ domain: 'evil.example' }),
  noSite: await forge({ domain: undefined }),
  otherAudience: await forge({ aud: 'another-project' }),
  stranger: await forge({}, strangerKey.privateKey, strangerKey.kid),
}
const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${outsider.split('.')[1]}.`

const ROUTES: readonly RouteSpec[] = [
  { path: '/public' },
  { path: '/me', gate: true },
  { path: '/pass', gate: { requirements: { contractAddress: stack.pass } } },
  { path: '/listed', gate: { requirements: { allowedWallets: [stack.outsider.address.toLowerCase()] } } },
  { path: '/optional', gate: { optional: true } },
  {
    path: '/coins',
    gate: { requirements: { contractAddress: stack.coin, minTokenBalance: '50' }, incremental: true },
  },
  { path: '/fresh', gate: { requirements: { contractAddress: stack.pass }, revalidate: true } },
]

interface Expect {
  status: number
  /** The shared code (`PICKET_…`); each adapter's spelling is checked. */
  code?: string
  /** `WWW-Authenticate`, exactly or by pattern. */
  challenge?: string | RegExp
  retryAfter?: boolean
  /** The wallet the route saw (`null`: anonymous). */
  wallet?: string | null
  message?: RegExp
}

interface Case {
  name: string
  method?: string
  path: string
  /** Headers, or per adapter (a signed cookie is spelled differently in each framework). */
  headers?: Record<string, string | string[]> | ((adapter: Adapter) => Record<string, string>)
  body?: unknown
  expect: Expect
}

/** What two adapters must agree on, from one answer. */
function comparable(answer: Answer) {
  const body = (answer.body ?? {}) as Record<string, unknown>
  // Body validation is the framework's in Fastify (FST_ERR_VALIDATION, Ajv's message) and the
  // router's in Express (PICKET_BAD_REQUEST, "Bad request: " + the same Ajv message).
  const validation = body.code === 'FST_ERR_VALIDATION'
  return {
    status: answer.status,
    code: validation
      ? 'PICKET_BAD_REQUEST'
      : typeof body.code === 'string'
        ? body.code.replace(/^FST_/, '')
        : undefined,
    message: validation ? `Bad request: ${body.message}` : body.message,
    wallet: body.wallet,
    challenge: answer.headers['www-authenticate'],
    retryAfter: answer.headers['retry-after'] !== undefined,
  }
}

function check(t: Test, adapter: Adapter, answer: Answer, expect: Expect): void {
  const body = (answer.body ?? {}) as Record<string, unknown>
  t.equal(answer.status, expect.status, `${adapter.name}: status`)
  if (expect.code) t.equal(body.code, adapter.code(expect.code), `${adapter.name}: code`)
  if (expect.challenge !== undefined) {
    const header = answer.headers['www-authenticate']
    if (typeof expect.challenge === 'string') t.equal(header, expect.challenge, `${adapter.name}: challenge`)
    else t.match(header, expect.challenge, `${adapter.name}: challenge`)
  }
  if (expect.retryAfter) t.match(answer.headers['retry-after'], /^[1-9]\d*$/, `${adapter.name}: Retry-After`)
  if (expect.wallet !== undefined) t.equal(body.wallet, expect.wallet, `${adapter.name}: wallet`)
  if (expect.message) t.match(body.message, expect.message, `${adapter.name}: message`)
}

/** Serves `setup` with both adapters, runs each case against both and compares their answers. */
async function runTable(t: Test, setup: ServeOptions, cases: readonly Case[]): Promise<void> {
  const servers = new Map<Adapter, Served>()
  for (const adapter of ADAPTERS) servers.set(adapter, await adapter.serve(setup))
  t.teardown(async () => {
    for (const server of servers.values()) await server.close()
  })
  for (const item of cases) {
    await t.test(item.name, async (t) => {
      const answers: ReturnType<typeof comparable>[] = []
      for (const [adapter, server] of servers) {
        const headers = typeof item.headers === 'function' ? item.headers(adapter) : item.headers
        const answer = await server.call(item.method ?? 'GET', item.path, {
          ...(headers ? { headers } : {}),
          ...(item.body === undefined ? {} : { body: item.body }),
        })
        check(t, adapter, answer, item.expect)
        answers.push(comparable(answer))
      }
      t.same(answers[1], answers[0], 'both adapters answer alike')
    })
  }
}

const NO_TOKEN = { status: 401, code: 'PICKET_NO_TOKEN', challenge: 'Bearer realm="picket"' }
const invalid = (message: RegExp) => ({
  status: 401,
  code: 'PICKET_INVALID_TOKEN',
  challenge: /^Bearer realm="picket", error="invalid_token", error_description="/,
  message,
})
const insufficient = (message: RegExp) => ({
  status: 403,
  code: 'PICKET_INSUFFICIENT_SCOPE',
  challenge: /^Bearer realm="picket", error="insufficient_scope"/,
  message,
})

const GATE_CASES: readonly Case[] = [
  { name: 'an ungated route is untouched', path: '/public', expect: { status: 200, wallet: null } },
  {
    name: 'an ungated route ignores a bad token',
    path: '/public',
    headers: bearer('x.y.z'),
    expect: { status: 200 },
  },
  { name: 'no token: 401 with a bare challenge', path: '/me', expect: NO_TOKEN },
  {
    name: 'another scheme is no token',
    path: '/me',
    headers: { authorization: 'Basic dTpw' },
    expect: NO_TOKEN,
  },
  {
    name: 'a signed-in wallet passes; its claims reach the handler',
    path: '/me',
    headers: bearer(outsider),
    expect: { status: 200, wallet: stack.outsider.address },
  },
  {
    name: 'garbage is an invalid token',
    path: '/me',
    headers: bearer('not-a-jwt'),
    expect: invalid(/malformed/),
  },
  {
    name: 'a malformed Authorization header is 401',
    path: '/me',
    headers: { authorization: 'Bearer' },
    expect: { status: 401, code: 'PICKET_INVALID_TOKEN' },
  },
  {
    name: 'the same token again on the same connection: a cache hit',
    path: '/me',
    headers: bearer(outsider),
    expect: { status: 200, wallet: stack.outsider.address },
  },
  {
    // The first header is the one the connection's last hit carried: still refused.
    name: 'two Authorization headers are refused',
    path: '/me',
    headers: { authorization: [`Bearer ${outsider}`, `Bearer ${holderPass}`] },
    expect: invalid(/more than one Authorization header/),
  },
  {
    name: 'a token with a fourth segment is malformed',
    path: '/me',
    headers: bearer(`${outsider}.AAAA`),
    expect: invalid(/malformed/),
  },
  {
    name: 'an expired token is refused',
    path: '/me',
    headers: bearer(forged.expired),
    expect: invalid(/exp/),
  },
  {
    name: 'an unsigned (alg none) token is refused',
    path: '/me',
    headers: bearer(unsigned),
    expect: { status: 401 },
  },
  {
    name: "a stranger's key is refused",
    path: '/me',
    headers: bearer(forged.stranger),
    expect: { status: 401 },
  },
  {
    name: "another project's token is refused",
    path: '/me',
    headers: bearer(forged.otherAudience),
    expect: { status: 401 },
  },
  {
    name: 'a token signed in on another site is refused',
    path: '/me',
    headers: bearer(forged.otherSite),
    expect: invalid(/another site/),
  },
  {
    name: 'a token naming no site is refused',
    path: '/me',
    headers: bearer(forged.noSite),
    expect: invalid(/no site/),
  },
  {
    name: 'a wallet without the pass is 403',
    path: '/pass',
    headers: bearer(outsider),
    expect: insufficient(/./),
  },
  {
    name: 'a token proving the pass passes, from the token alone',
    path: '/pass',
    headers: bearer(holderPass),
    expect: { status: 200, wallet: stack.holder.address },
  },
  {
    name: 'a token minted on another chain proves nothing here',
    path: '/pass',
    headers: bearer(forged.otherChain),
    expect: insufficient(/apply to localhost/),
  },
  {
    name: 'allowedWallets lets the listed wallet in',
    path: '/listed',
    headers: bearer(outsider),
    expect: { status: 200 },
  },
  {
    name: 'allowedWallets keeps others out',
    path: '/listed',
    headers: bearer(holderPass),
    expect: insufficient(/./),
  },
  {
    name: 'optional: anonymous passes with no user',
    path: '/optional',
    expect: { status: 200, wallet: null },
  },
  {
    name: 'optional: a signed-in wallet is seen',
    path: '/optional',
    headers: bearer(outsider),
    expect: { status: 200, wallet: stack.outsider.address },
  },
  {
    name: 'optional: a bad token is still refused',
    path: '/optional',
    headers: bearer(forged.expired),
    expect: { status: 401 },
  },
]

for (const mode of ['local', 'remote'] as const) {
  t.test(`gates, ${mode} verification`, async (t) => {
    const options = { ...base, ...(mode === 'local' ? { verify } : {}) }
    await runTable(t, { options, routes: ROUTES }, GATE_CASES)
  })
}

t.test('incremental authorization: a new token in picket-access-token, alike in both', async (t) => {
  for (const adapter of ADAPTERS) {
    const server = await adapter.serve({ options: { ...base, verify }, routes: ROUTES })
    t.teardown(() => server.close())
    const before = stack.calls.get('/authz') ?? 0
    const answer = await server.call('GET', '/coins', { headers: bearer(holderPlain) })
    t.equal(answer.status, 200, `${adapter.name}: granted`)
    const minted = answer.headers['picket-access-token'] as string
    t.ok(minted, `${adapter.name}: the new token comes back in the header`)
    t.equal(
      (answer.body as { token: string }).token,
      minted,
      `${adapter.name}: the handler sees the new token`,
    )
    t.same(decode(minted).tokenBalances, { contractAddress: { [stack.coin]: '100' } })
    // The old token again: the short /authz cache answers, no second chain read.
    await server.call('GET', '/coins', { headers: bearer(holderPlain) })
    t.equal((stack.calls.get('/authz') ?? 0) - before, 1, `${adapter.name}: one /authz call for two requests`)
    const refused = await server.call('GET', '/coins', { headers: bearer(outsider) })
    check(t, adapter, refused, insufficient(/./))
  }
})

t.test('revalidate: a fresh chain read refuses a wallet that sold its pass', async (t) => {
  const [, , , , , sellerKey, buyerKey] = stack.chain.accounts
  const seller = privateKeyToAccount(sellerKey!.privateKey)
  const servers = await Promise.all(
    ADAPTERS.map((adapter) =>
      adapter.serve({ options: { ...base, verify, revalidateCache: { ttl: 0 } }, routes: ROUTES }),
    ),
  )
  t.teardown(() => Promise.all(servers.map((server) => server.close())))
  await stack.chain.mintERC721(stack.pass, seller.address, 77n)
  const login = (await stack.login(seller, { contractAddress: stack.pass })).accessToken
  for (const [index, server] of servers.entries()) {
    t.equal(
      (await server.call('GET', '/fresh', { headers: bearer(login) })).status,
      200,
      `${ADAPTERS[index]!.name}: holds it`,
    )
  }
  await stack.chain.transferERC721(stack.pass, sellerKey!.privateKey, buyerKey!.address, 77n)
  for (const [index, server] of servers.entries()) {
    const adapter = ADAPTERS[index]!
    t.equal(
      (await server.call('GET', '/pass', { headers: bearer(login) })).status,
      200,
      `${adapter.name}: the token still says 1`,
    )
    check(t, adapter, await server.call('GET', '/fresh', { headers: bearer(login) }), insufficient(/./))
  }
})

t.test('the verified-token cache: one remote validation per token, refusals remembered', async (t) => {
  for (const adapter of ADAPTERS) {
    const server = await adapter.serve({ options: base, routes: ROUTES })
    t.teardown(() => server.close())
    const token = (await stack.login(stack.outsider)).accessToken
    const before = stack.calls.get('/auth/validate') ?? 0
    for (let i = 0; i < 5; i++)
      t.equal((await server.call('GET', '/me', { headers: bearer(token) })).status, 200)
    t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 1, `${adapter.name}: validated once`)
    const concurrent = (await stack.login(stack.outsider)).accessToken
    const start = stack.calls.get('/auth/validate') ?? 0
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => server.call('GET', '/me', { headers: bearer(concurrent) })),
    )
    t.ok(answers.every((answer) => answer.status === 200))
    t.equal(
      (stack.calls.get('/auth/validate') ?? 0) - start,
      1,
      `${adapter.name}: concurrent misses share one call`,
    )
  }
})

t.test('cache metrics: hits and misses of the verified-token cache in a prom-client registry', async (t) => {
  const { Registry } = await import('prom-client')
  for (const adapter of ADAPTERS) {
    const registry = new Registry()
    const server = await adapter.serve({
      options: { ...base, verify, metrics: { registry } },
      routes: ROUTES,
    })
    const read = async () =>
      Object.fromEntries(
        (await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.values[0]?.value]),
      )
    t.same(await read(), {
      picket_token_cache_hits_total: 0,
      picket_token_cache_misses_total: 0,
      picket_token_cache_evictions_total: 0,
      picket_token_cache_entries: 0,
    })
    const token = (await stack.login(stack.outsider)).accessToken
    for (let i = 0; i < 5; i++)
      t.equal((await server.call('GET', '/me', { headers: bearer(token) })).status, 200)
    // Fastify looks the token up once a request; Express twice (picket() identifies the wallet,
    // then requireWallet() checks the route): the first request's first lookup is the one miss.
    t.same(
      await read(),
      {
        picket_token_cache_hits_total: adapter.name === 'fastify' ? 4 : 9,
        picket_token_cache_misses_total: 1,
        picket_token_cache_evictions_total: 0,
        picket_token_cache_entries: 1,
      },
      `${adapter.name}: counted through real requests`,
    )
    t.match(await registry.metrics(), /^picket_token_cache_misses_total 1$/m, 'in the exposition format')
    await server.close()
    t.equal(registry.getMetricsAsArray().length, 0, `${adapter.name}: closing removes the metrics`)
  }
})

t.test(
  'revocation: isRevoked runs on every request, cache hits included; a failing check is 503',
  async (t) => {
    const revoked = new Set<string>()
    let broken = false
    const isRevoked = async (claims: { tid?: string }) => {
      if (broken) throw new Error('revocation store down')
      return revoked.has(claims.tid!)
    }
    const options = { ...base, verify, isRevoked } as PicketServerOptions<never>
    const token = (await stack.login(stack.outsider)).accessToken
    const servers = new Map<Adapter, Served>()
    for (const adapter of ADAPTERS) servers.set(adapter, await adapter.serve({ options, routes: ROUTES }))
    t.teardown(async () => {
      for (const server of servers.values()) await server.close()
    })
    for (const [adapter, server] of servers) {
      t.equal(
        (await server.call('GET', '/me', { headers: bearer(token) })).status,
        200,
        `${adapter.name}: cached`,
      )
    }
    revoked.add(decode(token).tid)
    for (const [adapter, server] of servers) {
      check(t, adapter, await server.call('GET', '/me', { headers: bearer(token) }), invalid(/revoked/))
    }
    broken = true
    for (const [adapter, server] of servers) {
      check(t, adapter, await server.call('GET', '/me', { headers: bearer(outsider) }), {
        status: 503,
        code: 'PICKET_UNAVAILABLE',
        retryAfter: true,
      })
    }
  },
)

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

t.test('fail closed: an unreachable key set or API is 503 with Retry-After, never a pass', async (t) => {
  const port = await deadPort()
  const unavailable = { status: 503, code: 'PICKET_UNAVAILABLE', retryAfter: true }
  t.test('JWKS unreachable', (t) =>
    runTable(
      t,
      {
        options: { ...base, verify: { ...verify, jwks: `http://127.0.0.1:${port}/jwks.json`, timeout: 500 } },
        routes: ROUTES,
      },
      [
        { name: 'a gated route', path: '/me', headers: bearer(outsider), expect: unavailable },
        {
          name: 'an optional route with a token',
          path: '/optional',
          headers: bearer(outsider),
          expect: unavailable,
        },
        {
          name: 'an ungated route still answers',
          path: '/public',
          headers: bearer(outsider),
          expect: { status: 200 },
        },
      ],
    ),
  )
  t.test('API unreachable (remote validation)', async (t) => {
    const { PicketClient } = await import('picket-core/client')
    const client = new PicketClient(PROJECT.secretKey, {
      baseURL: `http://127.0.0.1:${port}/api/v1`,
      retry: false,
      timeout: 500,
    })
    await runTable(t, { options: { ...base, client }, routes: ROUTES }, [
      { name: 'a gated route', path: '/me', headers: bearer(outsider), expect: unavailable },
    ])
  })
})

t.test(
  'a chain the authority has no RPC URL for: 503 naming the setting, in the answer and the log',
  async (t) => {
    // The stack's authority reads `localhost` only: `ethereum` is a chain it knows but has no RPC
    // URL for, so /authz answers 503 chain_not_configured (naming the setting) with Retry-After.
    const login = await prepareSiweLogin(stack.client, stack.holder, { chain: 'ethereum', domain: DOMAIN })
    const { accessToken } = await stack.client.auth(login)
    const routes = [
      {
        path: '/mainnet-pass',
        gate: { chain: 'ethereum', requirements: { contractAddress: stack.pass }, incremental: true },
      },
    ]
    const setting =
      'Chain ethereum cannot check token gating requirements on this authority: no RPC URL is configured for it (the operator sets chains.ethereum.rpcUrl in the config, --rpc ethereum=URL or PICKET_RPC_ETHEREUM)'
    const answers: ReturnType<typeof comparable>[] = []
    for (const adapter of ADAPTERS) {
      const errorLog: string[] = []
      const server = await adapter.serve({ options: { ...base, verify }, routes, errorLog })
      t.teardown(() => server.close())
      const answer = await server.call('GET', '/mainnet-pass', { headers: bearer(accessToken) })
      check(t, adapter, answer, { status: 503, code: 'PICKET_UNAVAILABLE', retryAfter: true })
      t.equal(
        (answer.body as { message: string }).message,
        `Authorization unavailable: the Picket API answered 503 (chain_not_configured): ${setting}`,
        `${adapter.name}: the answer names the setting`,
      )
      t.equal(answer.headers['retry-after'], '60', `${adapter.name}: the authority's Retry-After`)
      const logged = errorLog.join('\n')
      // The log line's own message, not only the cause chain pino appends to `err`.
      t.match(
        logged,
        `the Picket API answered 503 (chain_not_configured): ${setting}`,
        `${adapter.name}: the log line names the upstream code and the setting`,
      )
      answers.push(comparable(answer))
    }
    t.same(answers[1], answers[0], 'both adapters answer alike')
  },
)

t.test('cookies: the session cookie is a token source, checked like the header', async (t) => {
  const secret = 'a cookie secret of some length'
  const options = { ...base, verify, cookie: { name: 'session', signed: true, secure: false } }
  const signed = (token: string) => (adapter: Adapter) => adapter.signedCookie('session', token, secret)
  await runTable(t, { options, routes: ROUTES, cookieSecret: secret }, [
    {
      name: 'a signed session cookie signs the wallet in',
      path: '/me',
      headers: (adapter) => ({ cookie: signed(outsider)(adapter) }),
      expect: { status: 200, wallet: stack.outsider.address },
    },
    {
      name: 'a cookie with a bad signature is 401',
      path: '/me',
      headers: (adapter) => ({ cookie: adapter.signedCookie('session', outsider, 'another secret') }),
      expect: invalid(/cookie signature/),
    },
    {
      name: 'a header and a cookie that disagree are 400',
      path: '/me',
      headers: (adapter) => ({ cookie: signed(outsider)(adapter), authorization: `Bearer ${holderPass}` }),
      expect: { status: 400, code: 'PICKET_BAD_REQUEST', message: /different tokens/ },
    },
    {
      name: 'a header and a cookie that agree pass',
      path: '/me',
      headers: (adapter) => ({ cookie: signed(outsider)(adapter), authorization: `Bearer ${outsider}` }),
      expect: { status: 200 },
    },
  ])
})

/** nonce → SIWE message → signature, as a browser front end does against the helper routes. */
async function signedLogin(server: Served, account = stack.holder, domain = DOMAIN) {
  const nonce = await server.call('POST', '/auth/nonce', {
    body: { chain: 'localhost', walletAddress: account.address },
  })
  const context = {
    domain,
    uri: `http://${domain}`,
    issuedAt: new Date().toISOString(),
    chainId: stack.chain.chainId,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({
    ...(nonce.body as object),
    walletAddress: account.address,
    ...context,
  } as never)
  const signature = await account.signMessage({ message })
  return { chain: 'localhost', walletAddress: account.address, signature, context }
}

t.test('helper routes: the same bodies, checks and status codes', async (t) => {
  const revocations = new Map<string, number>()
  const revocationList = {
    isRevoked: async (claims: { tid?: string; sid?: string }) =>
      revocations.has(claims.sid ?? '') || revocations.has(claims.tid ?? ''),
    revoke: async (claims: unknown) => {
      const { sid, tid, exp } = claims as { sid?: string; tid: string; exp: number }
      revocations.set(sid ?? tid, exp)
      return true
    },
  }
  for (const adapter of ADAPTERS) {
    await t.test(adapter.name, async (t) => {
      const server = await adapter.serve({
        options: { ...base, verify, revocationList } as PicketServerOptions<never>,
        routes: ROUTES,
        helpers: { rateLimit: { perWallet: { max: 3, timeWindow: 60_000 } } },
      })
      t.teardown(() => server.close())
      const account = privateKeyToAccount(stack.chain.accounts[7]!.privateKey)
      const body = await signedLogin(server, account)
      const login = await server.call('POST', '/auth/login', { body })
      t.equal(login.status, 200, 'login')
      const { accessToken, user } = login.body as { accessToken: string; user: { walletAddress: string } }
      t.equal(user.walletAddress, account.address)
      const replay = await server.call('POST', '/auth/login', { body })
      check(t, adapter, replay, { status: 401, code: 'PICKET_LOGIN_FAILED' })

      const me = await server.call('GET', '/auth/me', { headers: bearer(accessToken) })
      t.equal(me.status, 200)
      t.equal((me.body as { walletAddress: string }).walletAddress, account.address)
      check(t, adapter, await server.call('GET', '/auth/me'), NO_TOKEN)

      const authz = await server.call('POST', '/auth/authz', {
        headers: bearer(accessToken),
        body: { requirements: { contractAddress: stack.coin } },
      })
      check(t, adapter, authz, insufficient(/./))
      const badRequirements = await server.call('POST', '/auth/authz', {
        headers: bearer(accessToken),
        body: { requirements: { contractAddress: stack.coin, tokenIds: 'seven' } },
      })
      check(t, adapter, badRequirements, {
        status: 400,
        code: 'PICKET_BAD_REQUEST',
        message: /tokenIds/,
      })

      const logout = await server.call('POST', '/auth/logout', { headers: bearer(accessToken) })
      t.same(logout.body, { loggedOut: true, revoked: true })
      check(t, adapter, await server.call('GET', '/me', { headers: bearer(accessToken) }), invalid(/revoked/))

      // The per-wallet limit: 3 nonces a minute for this wallet (one used above).
      const wallet = privateKeyToAccount(stack.chain.accounts[8]!.privateKey).address
      const asks = []
      for (let i = 0; i < 4; i++) {
        asks.push(
          await server.call('POST', '/auth/nonce', { body: { chain: 'localhost', walletAddress: wallet } }),
        )
      }
      t.same(
        asks.map((answer) => answer.status),
        [200, 200, 200, 429],
      )
      check(t, adapter, asks[3]!, {
        status: 429,
        code: 'PICKET_TOO_MANY_REQUESTS',
        retryAfter: true,
        message: /at most 3 per 60 s/,
      })
    })
  }

  const loginBase = await (async () => {
    const server = await ADAPTERS[0]!.serve({ options: base, routes: [], helpers: { rateLimit: false } })
    try {
      return await signedLogin(server, privateKeyToAccount(stack.chain.accounts[9]!.privateKey))
    } finally {
      await server.close()
    }
  })()
  await t.test('refusals alike', (t) =>
    runTable(
      t,
      {
        options: { ...base, verify, cookie: { name: 'session', secure: false } },
        routes: [],
        helpers: { rateLimit: false },
      },
      [
        {
          name: 'nonce without walletAddress is 400',
          method: 'POST',
          path: '/auth/nonce',
          body: { chain: 'localhost' },
          expect: { status: 400, message: /walletAddress/ },
        },
        {
          name: 'a body over 64 KiB is 413, naming the limit',
          method: 'POST',
          path: '/auth/login',
          body: { walletAddress: '0x1', signature: 'x'.repeat(70_000) },
          expect: { status: 413, code: 'PICKET_PAYLOAD_TOO_LARGE', message: /65536 bytes/ },
        },
        {
          name: 'a login signed for another site is 400 before the API sees it',
          method: 'POST',
          path: '/auth/login',
          body: {
            ...loginBase,
            context: { ...loginBase.context, domain: 'evil.example', uri: 'http://evil.example' },
          },
          expect: { status: 400, code: 'PICKET_BAD_REQUEST', message: /domain/ },
        },
        {
          name: 'a login without a SIWE context is 400',
          method: 'POST',
          path: '/auth/login',
          body: { walletAddress: loginBase.walletAddress, signature: loginBase.signature },
          expect: { status: 400, code: 'PICKET_BAD_REQUEST', message: /context is required/ },
        },
        {
          name: 'a bad signature is 401 login failed',
          method: 'POST',
          path: '/auth/login',
          body: { ...loginBase, signature: `0x${'11'.repeat(65)}` },
          expect: { status: 401, code: 'PICKET_LOGIN_FAILED' },
        },
        {
          name: 'logout with a session cookie needs an Origin from our sites',
          method: 'POST',
          path: '/auth/logout',
          headers: { origin: 'https://evil.example' },
          expect: { status: 403, code: 'PICKET_FORBIDDEN_ORIGIN' },
        },
        {
          name: 'logout from our own page is fine',
          method: 'POST',
          path: '/auth/logout',
          headers: { origin: `http://${DOMAIN}` },
          expect: { status: 200 },
        },
      ],
    ),
  )
})
