/**
 * Hostile input to every authority endpoint and every plugin helper route (issue 6): a seeded
 * fast-check generator sends more than 10,000 mutated bodies, headers and paths. Every answer
 * must be below 500, with a `{msg, code}` body from the authority or a Fastify error body from
 * the plugin; the processes stay up; and rejected requests change nothing: the victim's nonce
 * is the same afterwards, no rejected login minted a token, the genuine login signed before the
 * run still succeeds, and `Object.prototype` is untouched. Most requests go through `inject`;
 * a few hundred go over real sockets for what `inject` cannot send (broken framing, raw bytes).
 */

import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import picket from 'fastify-picket'
import { type RunningAuthority, startAuthority } from 'picket-authority'
import { createSigningMessage } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { type DevChain, startDevChain } from '../../tools/devchain/index.js'
import { basicAuth, SIMPLE_PROJECT, SIWE_PROJECT } from '../authority/support/authority.js'
import { evmWallet, siweContext } from '../authority/support/wallets.js'
import {
  DANGEROUS_KEYS,
  encode,
  encoding,
  hostileString,
  INVALID_ADDRESSES,
  INVALID_CHAINS,
  mutatedBody,
} from './support/hostile-inputs.js'
import { rawRequest } from './support/raw-http.js'

const SEED = 20_240_606
/** Requests through `inject`: authority and plugin together. */
const INJECTED_RUNS = 10_500
const RAW_RUNS = 300

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort()

const chain: DevChain = await startDevChain()
t.teardown(() => chain.close())
// Each EVM chain the fuzzer names gets an endpoint of its own chain id: an endpoint answering
// another chain id is never read from (424, a 503 through the plugin), a server misconfiguration
// this suite's "below 500" rule would count as a fault.
const [mainnet, polygon] = await Promise.all([startDevChain({ chainId: 1 }), startDevChain({ chainId: 137 })])
t.teardown(() => Promise.all([mainnet.close(), polygon.close()]))
const deployer = chain.accounts[0]!
const holder = privateKeyToAccount(chain.accounts[1]!.privateKey)
const pass = await chain.deployERC721({ name: 'Pass', symbol: 'PASS', from: deployer.privateKey })
await chain.mintERC721(pass, holder.address, 1n)

const authority: RunningAuthority = await startAuthority({
  port: 0,
  projects: [SIWE_PROJECT, SIMPLE_PROJECT],
  // Long enough that the victim's nonce outlives the whole run.
  nonceTTL: 900,
  // Every chain the fuzzer names has an RPC URL (the dev chain's; Solana's reads fail there, 424):
  // token requirements on a chain without one are answered 503 chain_not_configured by design
  // (issue 14: the server's missing setting, not the client's fault), which this suite's
  // "below 500" rule would count as a fault. Before issue 14 they were a 400.
  chains: {
    localhost: { rpcUrl: chain.rpcUrl, chainId: chain.chainId },
    ethereum: { rpcUrl: mainnet.rpcUrl },
    polygon: { rpcUrl: polygon.rpcUrl },
    solana: { rpcUrl: chain.rpcUrl },
  },
  rpcTimeout: 2000,
  // The fuzzer sends thousands of requests from one address: the rate limits have their own
  // suite (test/security/bounded-work.test.ts), here they would only stop the fuzzing.
  rateLimit: false,
  warn: () => {},
})
t.teardown(() => authority.close())
const authorityPort = Number(new URL(authority.url).port)
const secret = basicAuth.node(SIWE_PROJECT.secretKey)

async function authorityCall(method: string, path: string, body?: unknown) {
  return authority.app.inject({
    method: method as 'POST',
    url: `/api/v1/${path}`,
    headers: { authorization: secret, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })
}

async function signedLogin(
  account: PrivateKeyAccount,
  options: { signer?: PrivateKeyAccount; chain?: string } = {},
) {
  const chainSlug = options.chain ?? 'ethereum'
  const nonceRes = await authorityCall('POST', 'auth/nonce', {
    chain: chainSlug,
    walletAddress: account.address,
  })
  const { nonce, statement, format } = nonceRes.json()
  const context = siweContext({ chainId: chainSlug === 'localhost' ? chain.chainId : 1 })
  const message = createSigningMessage({
    format,
    statement,
    nonce,
    walletAddress: account.address,
    ...context,
  })
  const signature = await (options.signer ?? account).signMessage({ message })
  return {
    nonce: nonce as string,
    body: { chain: chainSlug, walletAddress: account.address, signature, requirements: {}, context },
  }
}

// The victim: a genuine login signed before the run, and the nonce it was signed over.
const victim = evmWallet()
const genuine = await signedLogin(victim)
// Bases for rejected logins: the victim's address, a signature by another key. No mutation can fix it.
const forged = (await signedLogin(victim, { signer: evmWallet() })).body
const forgedOnChain = { ...forged, chain: 'localhost', context: siweContext({ chainId: chain.chainId }) }
const holderLogin = await authorityCall(
  'POST',
  'auth',
  (await signedLogin(holder, { chain: 'localhost' })).body,
)
const holderToken: string = holderLogin.json().accessToken

const plugin: FastifyInstance = Fastify({ bodyLimit: 64 * 1024 })
await plugin.register(picket, {
  chain: 'localhost',
  client: new PicketClient(SIWE_PROJECT.secretKey, { baseURL: authority.url, timeout: 5000 }),
  verify: {
    jwks: `${authority.url}/.well-known/jwks.json`,
    audience: SIWE_PROJECT.id,
    issuer: authority.issuer,
  },
  allowedDomains: ['localhost:3000'],
  routes: { rateLimit: false },
})
plugin.get('/gated', { config: { picket: { requirements: { contractAddress: pass } } } }, async () => ({
  ok: true,
}))
await plugin.listen({ port: 0, host: '127.0.0.1' })
t.teardown(() => plugin.close())
const pluginPort = (plugin.server.address() as { port: number }).port

// ---------------------------------------------------------------------------------------------
// Request generators

interface Request {
  target: 'authority' | 'plugin'
  /** Endpoint label, for per-endpoint counts. */
  label: string
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
  /** A login that must be refused (never 200, never a token). */
  mustBeRejectedLogin?: boolean
}

/** Header values `inject` can carry (the raw-socket tests cover the rest). */
function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    if (code < 0x20 || code > 0x7e) return false
  }
  return true
}

const apiKeyHeader = fc.oneof(
  { weight: 12, arbitrary: fc.constant(secret) },
  { weight: 2, arbitrary: fc.constant(basicAuth.js(SIWE_PROJECT.publishableKey)) },
  { weight: 1, arbitrary: fc.constant(basicAuth.python(SIMPLE_PROJECT.secretKey)) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constantFrom(
        '',
        'Basic',
        'Basic ',
        'Basic ====',
        'Basic Og==',
        'Bearer x.y.z',
        'Digest x',
        `Basic ${'A'.repeat(8000)}`,
      ),
      hostileString.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      hostileString.filter((s) => isPrintableAscii(s)),
    ),
  },
)

const userAgent = fc.constantFrom(
  'picket-node/0.0.10',
  'picket-go',
  'Picket Python Client',
  'Mozilla/5.0',
  '',
)

function withBody(
  target: Request['target'],
  label: string,
  url: string,
  body: fc.Arbitrary<unknown>,
  extra: Partial<Request> = {},
) {
  return fc
    .record({ body, how: encoding, auth: apiKeyHeader, ua: userAgent })
    .map(({ body, how, auth, ua }): Request => {
      const { payload, contentType } = encode(body, how)
      const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': ua }
      if (target === 'authority' && auth !== '') headers.authorization = auth
      return { target, label, method: 'POST', url, headers, payload, ...extra }
    })
}

const slug = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('ethereum', 'localhost', 'solana', 'polygon') },
  { weight: 2, arbitrary: fc.constantFrom(...INVALID_CHAINS) },
  { weight: 1, arbitrary: hostileString },
)
const walletParam = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(holder.address, victim.address) },
  { weight: 3, arbitrary: fc.constantFrom(...INVALID_ADDRESSES) },
  { weight: 1, arbitrary: hostileString },
)
const segment = (arb: fc.Arbitrary<string>) => arb.map((s) => encodeURIComponent(s).slice(0, 3000))

const authorityRequests: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 5,
    arbitrary: withBody(
      'authority',
      'POST /auth/nonce',
      '/api/v1/auth/nonce',
      mutatedBody({ chain: 'ethereum', walletAddress: victim.address, locale: 'en-US' }),
    ),
  },
  {
    weight: 6,
    arbitrary: withBody('authority', 'POST /auth', '/api/v1/auth', mutatedBody(forged), {
      mustBeRejectedLogin: true,
    }),
  },
  {
    weight: 2,
    arbitrary: withBody('authority', 'POST /auth', '/api/v1/auth', mutatedBody(forgedOnChain), {
      mustBeRejectedLogin: true,
    }),
  },
  {
    weight: 4,
    arbitrary: withBody(
      'authority',
      'POST /authz',
      '/api/v1/authz',
      mutatedBody({
        accessToken: holderToken,
        requirements: { contractAddress: pass, minTokenBalance: '1' },
        revalidate: false,
      }),
    ),
  },
  {
    weight: 4,
    arbitrary: withBody(
      'authority',
      'POST /auth/validate',
      '/api/v1/auth/validate',
      mutatedBody({ accessToken: holderToken, requirements: { contractAddress: pass } }),
    ),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(segment(slug), segment(walletParam))
      .chain(([c, w]) =>
        withBody(
          'authority',
          'POST /chains/:chain/wallets/:walletAddress/tokenOwnership',
          `/api/v1/chains/${c}/wallets/${w}/tokenOwnership`,
          mutatedBody({ contractAddress: pass, minTokenBalance: '1' }),
        ),
      ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        path: fc.oneof(
          fc.constant('/api/v1/chains'),
          segment(slug).map((s) => `/api/v1/chains/${s}`),
        ),
        auth: apiKeyHeader,
        method: fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE'),
      })
      .map(
        ({ path, auth, method }): Request => ({
          target: 'authority',
          label: 'GET /chains[/:chain]',
          method,
          url: path,
          headers: auth ? { authorization: auth } : {},
        }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        path: fc.constantFrom('/api/v1/.well-known/jwks.json', '/api/v1/.well-known/openid-configuration'),
        query: fc.oneof(
          fc.constant(''),
          segment(hostileString).map((q) => `?${q}`),
        ),
        method: fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'),
        host: fc.oneof(
          fc.constant('127.0.0.1'),
          fc.constantFrom('evil.example', 'a'.repeat(300), '[::1]', 'localhost:99999'),
        ),
      })
      .map(
        ({ path, query, method, host }): Request => ({
          target: 'authority',
          label: 'GET /.well-known/*',
          method,
          url: path + query,
          headers: { host },
        }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        path: fc.oneof(
          segment(hostileString).map((s) => `/api/v1/${s}`),
          fc.constantFrom(
            '/api/v1',
            '/api/v1/',
            '//api//v1//auth//nonce',
            '/api/v1/auth/nonce/..',
            '/api/v1/%',
            '/api/v1/%00',
            '/api/v1/auth%2Fnonce',
            '/api/v2/auth',
            `/${'a/'.repeat(2000)}`,
            '/api/v1/auth?x=%zz',
            '/*',
          ),
        ),
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'),
        auth: apiKeyHeader,
      })
      .map(
        ({ path, method, auth }): Request => ({
          target: 'authority',
          label: 'unknown paths',
          method,
          url: path,
          headers: auth ? { authorization: auth } : {},
        }),
      ),
  },
)

const bearer = fc.oneof(
  { weight: 2, arbitrary: fc.constant(`Bearer ${holderToken}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'Bearer',
      'Bearer x.y.z',
      `Bearer ${holderToken.slice(0, -3)}`,
      `Bearer ${holderToken}==`,
      `bearer  ${holderToken}`,
      `Basic ${holderToken}`,
    ),
  },
  {
    weight: 2,
    arbitrary: hostileString.filter((s) => isPrintableAscii(s)).map((s) => `Bearer ${s}`),
  },
)

function pluginWithBody(
  label: string,
  url: string,
  body: fc.Arbitrary<unknown>,
  extra: Partial<Request> = {},
) {
  return fc.record({ body, how: encoding, auth: bearer }).map(({ body, how, auth }): Request => {
    const { payload, contentType } = encode(body, how)
    const headers: Record<string, string> = { 'content-type': contentType }
    if (auth) headers.authorization = auth
    return { target: 'plugin', label, method: 'POST', url, headers, payload, ...extra }
  })
}

const pluginRequests: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 3,
    arbitrary: pluginWithBody(
      'POST /auth/nonce (plugin)',
      '/auth/nonce',
      mutatedBody({ chain: 'ethereum', walletAddress: victim.address, locale: 'en' }),
    ),
  },
  {
    weight: 4,
    arbitrary: pluginWithBody('POST /auth/login (plugin)', '/auth/login', mutatedBody(forged), {
      mustBeRejectedLogin: true,
    }),
  },
  {
    weight: 3,
    arbitrary: pluginWithBody(
      'POST /auth/authz (plugin)',
      '/auth/authz',
      mutatedBody({ requirements: { contractAddress: pass, minTokenBalance: '1' }, revalidate: false }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        url: fc.constantFrom('/auth/me', '/gated', '/auth/me?x=1', '/auth/me/'),
        auth: bearer,
        method: fc.constantFrom('GET', 'HEAD', 'POST'),
      })
      .map(
        ({ url, auth, method }): Request => ({
          target: 'plugin',
          label: 'GET /auth/me, /gated (plugin)',
          method,
          url,
          headers: auth ? { authorization: auth } : {},
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: pluginWithBody('POST /auth/logout (plugin)', '/auth/logout', mutatedBody({ any: 'thing' })),
  },
)

// ---------------------------------------------------------------------------------------------
// The run

const counts = new Map<string, number>()
const statuses = new Map<number, number>()
const serverErrors: string[] = []
let acceptedRejectedLogins = 0

function checkAnswer(
  t: Test,
  request: Pick<Request, 'target' | 'label' | 'method' | 'mustBeRejectedLogin'>,
  status: number,
  body: string,
): boolean {
  counts.set(request.label, (counts.get(request.label) ?? 0) + 1)
  statuses.set(status, (statuses.get(status) ?? 0) + 1)
  if (status >= 500 || status === 0) {
    serverErrors.push(`${status} ${request.method} ${request.label}: ${body.slice(0, 300)}`)
    return false
  }
  if (request.mustBeRejectedLogin && (status < 400 || body.includes('accessToken'))) {
    acceptedRejectedLogins++
    return false
  }
  if (status >= 400 && request.method !== 'HEAD') {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(body)
    } catch {
      t.fail(`non-JSON ${status} body for ${request.label}: ${body.slice(0, 200)}`)
      return false
    }
    const ok =
      request.target === 'authority'
        ? typeof parsed.msg === 'string' && typeof parsed.code === 'string'
        : parsed.statusCode === status && typeof parsed.message === 'string'
    if (!ok) {
      t.fail(`unexpected ${status} error body for ${request.label}: ${body.slice(0, 200)}`)
      return false
    }
  }
  return true
}

t.test(`${INJECTED_RUNS} mutated requests through inject (seed ${SEED})`, async (t) => {
  const requests = fc.oneof(
    { weight: 13, arbitrary: authorityRequests },
    { weight: 8, arbitrary: pluginRequests },
  )
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const app = request.target === 'authority' ? authority.app : plugin
      const res = await app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      })
      return checkAnswer(t, request, res.statusCode, res.body)
    }),
    { seed: SEED, numRuns: INJECTED_RUNS, endOnFailure: true },
  )
  t.same(serverErrors, [], 'no 5xx')
  t.equal(acceptedRejectedLogins, 0, 'no rejected login minted a token')
  for (const [label, n] of counts) t.ok(n >= 100, `${label}: ${n} requests`)
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)
})

/** Raw requests: broken framing and bytes `inject` normalises away. */
const rawRequests = fc
  .record({
    target: fc.constantFrom<'authority' | 'plugin'>('authority', 'plugin'),
    endpoint: fc.nat(),
    contentType: fc.oneof(
      fc.constant('application/json'),
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        '',
      ),
    ),
    body: fc.oneof(
      fc.constantFrom(
        '{',
        '{"walletAddress":',
        '{"a":1}}',
        'null',
        '[]',
        '"str"',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
      ),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])),
    ),
    framing: fc.constantFrom(
      'content-length',
      'chunked',
      'bad-chunk',
      'short-length',
      'nul-header',
      'huge-length',
    ),
  })
  .map(({ target, endpoint, contentType, body, framing }) => {
    const paths =
      target === 'authority'
        ? [
            '/api/v1/auth/nonce',
            '/api/v1/auth',
            '/api/v1/authz',
            '/api/v1/auth/validate',
            `/api/v1/chains/localhost/wallets/${holder.address}/tokenOwnership`,
          ]
        : ['/auth/nonce', '/auth/login', '/auth/authz', '/auth/logout']
    const path = paths[endpoint % paths.length]!
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body)
    const head = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close']
    if (contentType) head.push(`Content-Type: ${contentType}`)
    if (target === 'authority') head.push(`Authorization: ${secret}`)
    else head.push(`Authorization: Bearer ${holderToken}`)
    let payload: Buffer
    switch (framing) {
      case 'chunked':
        head.push('Transfer-Encoding: chunked')
        payload = Buffer.concat([
          Buffer.from(`${bytes.length.toString(16)}\r\n`),
          bytes,
          Buffer.from('\r\n0\r\n\r\n'),
        ])
        break
      case 'bad-chunk':
        head.push('Transfer-Encoding: chunked')
        payload = Buffer.concat([Buffer.from('zz\r\n'), bytes, Buffer.from('\r\n0\r\n\r\n')])
        break
      case 'short-length':
        // Content-Length smaller than the body: the rest is parsed as a (garbage) next request.
        head.push(`Content-Length: ${Math.floor(bytes.length / 2)}`)
        payload = bytes
        break
      case 'nul-header':
        head.push(`X-Nul: a\u0000b`, `Content-Length: ${bytes.length}`)
        payload = bytes
        break
      case 'huge-length':
        // Larger than any body limit: refused from the header, before the body arrives.
        head.push('Content-Length: 104857600')
        payload = bytes
        break
      default:
        head.push(`Content-Length: ${bytes.length}`)
        payload = bytes
    }
    return {
      target,
      path,
      framing,
      data: Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]),
    }
  })

t.test(`${RAW_RUNS} raw requests over real sockets (seed ${SEED})`, async (t) => {
  const samples = fc.sample(rawRequests, { seed: SEED, numRuns: RAW_RUNS })
  let answered = 0
  for (const sample of samples) {
    const port = sample.target === 'authority' ? authorityPort : pluginPort
    const res = await rawRequest(port, sample.data, 3000)
    // Broken framing may be answered by Node's HTTP parser itself (400, Fastify's default body).
    t.ok(
      res.status > 0 && res.status < 500,
      `${sample.target} ${sample.path} ${sample.framing}: ${res.status} ${res.body.slice(0, 120)}`,
    )
    if (res.status >= 500) serverErrors.push(`${res.status} raw ${sample.path}: ${res.body.slice(0, 200)}`)
    if (res.status > 0) answered++
  }
  t.equal(answered, samples.length, 'every raw request was answered')
})

t.test('afterwards: nothing changed, everything alive', async (t) => {
  t.same(serverErrors, [], 'no 5xx at all')
  t.same(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore, 'Object.prototype untouched')
  for (const key of ['isAdmin', 'polluted', 'x', ...DANGEROUS_KEYS]) {
    t.notOk(
      Object.hasOwn(Object.prototype, key) && !prototypeBefore.includes(key),
      `no ${key} on Object.prototype`,
    )
  }
  const nonce = await authorityCall('POST', 'auth/nonce', { walletAddress: victim.address })
  t.equal(nonce.json().nonce, genuine.nonce, "the victim's nonce is unchanged")
  const viaPlugin = await plugin.inject({
    method: 'POST',
    url: '/auth/nonce',
    payload: { walletAddress: victim.address },
  })
  t.equal(viaPlugin.json().nonce, genuine.nonce, 'the plugin sees the same nonce')
  const login = await authorityCall('POST', 'auth', genuine.body)
  t.equal(
    login.statusCode,
    200,
    'the genuine login, signed before the run, still succeeds: no rejected login consumed it',
  )
  t.equal((await authorityCall('GET', 'chains')).statusCode, 200, 'authority alive')
  t.equal(
    (await plugin.inject({ url: '/auth/me', headers: { authorization: `Bearer ${holderToken}` } }))
      .statusCode,
    200,
    'plugin alive',
  )
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  t.ok(total >= 10_000, `${total} injected requests + ${RAW_RUNS} raw`)
  t.comment(`per endpoint: ${JSON.stringify(Object.fromEntries(counts))}`)
})

t.test('openid-configuration does not advertise a jwks_uri taken from a spoofed Host header', async (t) => {
  const res = await authority.app.inject({
    url: '/api/v1/.well-known/openid-configuration',
    headers: { host: 'evil.example' },
  })
  t.equal(res.statusCode, 200)
  // Cached publicly for 5 minutes: a shared cache that ignores Host would hand the attacker's
  // JWKS location to every relying party that discovers keys through it.
  t.notMatch(res.json().jwks_uri, /evil\.example/, 'jwks_uri comes from configuration')
  t.equal(res.json().jwks_uri, `${authority.url}/.well-known/jwks.json`)
})
