/**
 * Everything the server author writes is validated strictly at registration: plugin options at
 * any depth, `config.picket`, `gate()` and `routes.requirements`. A mistake is a
 * `PicketOptionsError` whose message names the path and the fix, never an ignored setting.
 * (Issue 9: each case at the top of the issue is here and failed before.)
 */
import Fastify from 'fastify'
import picket, { PicketOptionsError, type PicketPluginOptions } from 'fastify-picket'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import { UNRELATED_JWKS } from '../support/static-jwks.js'

const jwks = UNRELATED_JWKS
const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
/** The same address with one digit's case flipped: an EIP-55 checksum failure. */
const PASS_TYPO = '0x5FbDB2315678afecb367f032d93f642f64180aa3'
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'

async function registerWith(options: unknown) {
  const app = Fastify()
  try {
    await app.register(picket, options as PicketPluginOptions)
    await app.ready()
  } finally {
    await app.close()
  }
}

async function expectOptionsError(t: Test, options: unknown, message: string | RegExp): Promise<void> {
  try {
    await registerWith(options)
    t.fail(`accepted ${JSON.stringify(options)}`)
  } catch (error) {
    t.type(error, PicketOptionsError, JSON.stringify(options))
    t.equal((error as { code: string }).code, 'FST_PICKET_OPTIONS')
    if (typeof message === 'string') t.equal((error as Error).message, `fastify-picket: ${message}`)
    else t.match((error as Error).message, message)
  }
}

const local = { apiKey: 'k', verify: { jwks, audience: 'a' } }

t.test('plugin options: unknown keys at any depth are refused with a did-you-mean', async (t) => {
  const cases: [unknown, string][] = [
    [{ ...local, route: { allowedDomains: ['a'] } }, "options: unknown key 'route' — did you mean 'routes'?"],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', isuer: 'http://x' } },
      "verify: unknown key 'isuer' — did you mean 'issuer'?",
    ],
    [{ ...local, cache: { maxx: 1 } }, "cache: unknown key 'maxx' — did you mean 'max'?"],
    [{ ...local, revalidateCache: { tll: 1 } }, "revalidateCache: unknown key 'tll' — did you mean 'ttl'?"],
    [
      { ...local, cookie: { name: 'c', secured: true } },
      "cookie: unknown key 'secured' — did you mean 'secure'?",
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { prefx: '/x' } },
      "routes: unknown key 'prefx' — did you mean 'prefix'?",
    ],
    [
      { ...local, clientOptions: { timout: 5 } },
      "clientOptions: unknown key 'timout' — did you mean 'timeout'?",
    ],
    [
      { ...local, clientOptions: { retry: { retires: 1 } } },
      "clientOptions.retry: unknown key 'retires' — did you mean 'retries'?",
    ],
    [
      { ...local, jwks: 'http://x' },
      "options: unknown key 'jwks' — belongs in verify: { verify: { jwks, audience } }",
    ],
    [{ ...local, issuer: 'http://x' }, "options: unknown key 'issuer' — belongs in verify (verify.issuer)"],
    [
      { ...local, allowedDomains: ['localhost:3000'], routes: { allowedDomains: ['a'] } },
      "routes: unknown key 'allowedDomains' — moved to the top level (allowedDomains): besides login, every token must carry one of those domains",
    ],
    [
      { ...local, allowedDomains: ['localhost:3000'], routes: { requirements: {} } },
      "routes: unknown key 'requirements' — moved to the top level (requirements): they apply to every gated request, not only to login",
    ],
    [
      { ...local, allowedDomains: ['localhost:3000'], routes: { routeOptions: { confg: {} } } },
      "routes.routeOptions: unknown key 'confg' — did you mean 'config'?",
    ],
    [{ ...local, zzz: 1 }, /options: unknown key 'zzz' \(it takes: apiKey, baseURL, /] as never,
  ]
  for (const [options, message] of cases) await expectOptionsError(t, options, message)
})

t.test('plugin options: wrong values are refused with the path and what to write', async (t) => {
  const cases: [unknown, string | RegExp][] = [
    [{}, "apiKey: is required: the project's secret key (or pass `client`)"],
    [{ apiKey: '' }, /^fastify-picket: apiKey: must be the project's secret key/],
    [{ client: {} }, /^fastify-picket: client: must be a PicketClient/],
    [{ client: new PicketClient('k'), apiKey: 'k' }, /^fastify-picket: apiKey: cannot be given with client/],
    [{ apiKey: 'k', baseURL: 5 }, 'baseURL: must be an absolute http(s) URL, got 5'],
    [{ apiKey: 'k', baseURL: 'ftp://x/api/v1' }, "baseURL: must be an http(s) URL, got the scheme 'ftp'"],
    [{ apiKey: 'k', baseURL: 'http://x/api/v1?a=1' }, 'baseURL: must not contain a query string or fragment'],
    [
      { apiKey: 'k', clientOptions: { timeout: -1 } },
      'clientOptions.timeout: must be an integer between 1 and 2147483647, got -1',
    ],
    [{ apiKey: 'k', verify: 'x' }, 'verify: must be { jwks, audience, issuer? }, got "x"'],
    [
      { apiKey: 'k', verify: { jwks: 'not a url', audience: 'a' } },
      /verify.jwks: must be an absolute http\(s\) URL/,
    ],
    [
      { apiKey: 'k', verify: { jwks: 'ftp://keys.example/jwks.json', audience: 'a' } },
      "verify.jwks: must be an http(s) URL, got the scheme 'ftp'",
    ],
    [
      { apiKey: 'k', verify: { jwks: { nope: 1 }, audience: 'a' } },
      "verify.jwks: unknown key 'nope' (it takes: keys)",
    ],
    [
      { apiKey: 'k', verify: { jwks: { keys: [] }, audience: 'a' } },
      /verify.jwks.keys: must be a non-empty array of public JWKs/,
    ],
    [
      { apiKey: 'k', verify: { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, audience: 'a' } },
      'verify.jwks.keys[0]: is a symmetric (oct) key: a verifier needs the public keys only',
    ],
    [
      { apiKey: 'k', verify: { jwks: { keys: [{ ...UNRELATED_JWKS.keys[0], d: 'x' }] }, audience: 'a' } },
      'verify.jwks.keys[0]: is a private key (it has d): publish and configure the public key only',
    ],
    [{ apiKey: 'k', verify: { jwks, audience: '' } }, /verify.audience: must be the project id/],
    [{ apiKey: 'k', verify: { jwks } }, /verify.audience: is required/],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', issuer: 1 } },
      'verify.issuer: must be a non-empty string, got 1',
    ],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', issuer: undefined } },
      'verify.issuer: is undefined — an unset environment variable? Give a value or remove the key',
    ],
    [{ apiKey: 'k', verify: undefined }, /^fastify-picket: verify: is undefined/],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', algorithms: [] } },
      /verify.algorithms: must be a non-empty array/,
    ],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', algorithms: ['HS256'] } },
      /verify.algorithms\[0\]: must not be "none" or an HMAC/,
    ],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', algorithms: ['None'] } },
      /verify.algorithms\[0\]: must not be "none" or an HMAC/,
    ],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', algorithms: ['ES265'] } },
      /verify.algorithms\[0\]: must be an asymmetric JWS algorithm .* — did you mean 'ES256'\?/,
    ],
    [
      { apiKey: 'k', verify: { jwks, audience: 'a', timeout: 0 } },
      /verify.timeout: must be an integer between 1/,
    ],
    [{ apiKey: 'k', verify: { jwks, audience: 'a' }, audience: 'a' }, /audience: is for remote mode/],
    [{ apiKey: 'k', audience: '' }, 'audience: must be a non-empty string, got ""'],
    [{ ...local, cache: 'big' }, 'cache: must be { max?, ttl? }, got "big"'],
    [{ ...local, cache: { max: -1 } }, /cache.max: must be an integer ≥ 1, got -1/],
    [{ ...local, cache: { ttl: 1.5 } }, /cache.ttl: must be an integer between 0 and/],
    [{ ...local, revalidateCache: 1 }, 'revalidateCache: must be { max?, ttl? }, got 1'],
    [
      { ...local, hook: 'onSend' },
      "hook: must be one of 'onRequest', 'preValidation', 'preHandler', got \"onSend\"",
    ],
    [{ ...local, extractToken: 'header' }, 'extractToken: must be a function, got "header"'],
    [{ ...local, isRevoked: true }, 'isRevoked: must be a function, got true'],
    [{ ...local, revocationList: {} }, /revocationList: must have isRevoked\(\) and revoke\(\)/],
    [{ ...local, incremental: 'yes' }, 'incremental: must be true or false, got "yes"'],
    [{ ...local, realm: 'a"b' }, /realm: must be a non-empty string without quotes/],
    [{ ...local, chain: 'Ethereum' }, /^fastify-picket: chain: must be a chain slug/],
    [
      { ...local, acceptTokensWithoutDomain: true },
      /acceptTokensWithoutDomain: only applies with allowedDomains/,
    ],
    [
      { ...local, requirements: { collection: 'x' } },
      'requirements.collection: is a Solana requirement, but this gate is on an EVM chain',
    ],
    [{ ...local, cookie: {} }, 'cookie.name: is required: the cookie name'],
    [{ ...local, cookie: { name: 'c', sameSite: 'loose' } }, /cookie.sameSite: must be one of 'lax'/],
    [{ ...local, routes: true }, /^fastify-picket: routes: must be \{ prefix\?, .* \} or false, got true/],
    [{ ...local, routes: {} }, /^fastify-picket: allowedDomains: is required with routes/],
    [
      { ...local, allowedDomains: [], routes: {} },
      /^fastify-picket: allowedDomains: must be a non-empty array/,
    ],
    [
      { ...local, allowedDomains: [''], routes: {} },
      /^fastify-picket: allowedDomains\[0\]: must be a host\[:port\]/,
    ],
    [
      { ...local, allowedDomains: ['https://example.com'] },
      /allowedDomains\[0\]: must be a host\[:port\] such as 'example.com'/,
    ],
    [{ ...local, allowedDomains: ['*'] }, /allowedDomains\[0\]: .*no scheme, path or wildcard/],
    [
      { ...local, allowedDomains: ['a'], routes: { prefix: 'auth' } },
      /routes.prefix: must be a path such as '\/auth'/,
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { prefix: '/auth?x' } },
      /routes.prefix: must be a path such as '\/auth'/,
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { setCookie: true } },
      /routes.setCookie: needs the `cookie` option/,
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { setCookie: 'y' } },
      'routes.setCookie: must be true or false, got "y"',
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { routeOptions: 1 } },
      /routes.routeOptions: must be Fastify route/,
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { maxMessageAge: -5 } },
      /routes.maxMessageAge: must be an integer/,
    ],
    [
      { ...local, allowedDomains: ['a'], routes: { rateLimit: { perIp: { max: 0 } } } },
      /routes.rateLimit.perIp.max: must be an integer ≥ 1/,
    ],
  ]
  for (const [options, message] of cases) await expectOptionsError(t, options, message)
})

t.test('registration requirements (login and every gated request) are strict', async (t) => {
  const floor = (requirements: unknown) => ({ ...local, requirements })
  await expectOptionsError(
    t,
    floor({ contractAdress: PASS }),
    "requirements: unknown key 'contractAdress' — did you mean 'contractAddress'?",
  )
  await expectOptionsError(
    t,
    floor({ allowedwallets: [WALLET] }),
    "requirements: unknown key 'allowedwallets' — did you mean 'allowedWallets'?",
  )
  await expectOptionsError(
    t,
    floor({ allowedWallets: 'x' }),
    'requirements.allowedWallets: must be an array, got "x"',
  )
  await expectOptionsError(t, floor({}), /^fastify-picket: requirements: is empty/)
  await expectOptionsError(t, floor(undefined), /^fastify-picket: requirements: is undefined/)
})

t.test('route gates (config.picket) are strict, naming the route', async (t) => {
  const cases: [unknown, string][] = [
    [
      'yes',
      'config.picket of GET /holders: must be true, false or { requirements? | gate?, optional?, revalidate?, incremental?, chain? }, got "yes"',
    ],
    [
      { requirement: { contractAddress: PASS } },
      "config.picket of GET /holders: unknown key 'requirement' — did you mean 'requirements'?",
    ],
    [
      { requirements: { contractAdress: PASS } },
      "config.picket.requirements of GET /holders: unknown key 'contractAdress' — did you mean 'contractAddress'?",
    ],
    [
      { requirements: { allowedwallets: [WALLET] } },
      "config.picket.requirements of GET /holders: unknown key 'allowedwallets' — did you mean 'allowedWallets'?",
    ],
    [
      { contractAddress: PASS },
      "config.picket of GET /holders: unknown key 'contractAddress' — is a requirement field: it goes inside 'requirements', e.g. { requirements: { contractAddress: '0x…' } }",
    ],
    [
      { requirements: { contractAddress: '0x123' } },
      'config.picket.requirements.contractAddress of GET /holders: must be an EVM address (0x followed by 40 hex digits), got "0x123"',
    ],
    [
      { requirements: { contractAddress: PASS_TYPO } },
      `config.picket.requirements.contractAddress of GET /holders: "${PASS_TYPO}" fails its EIP-55 checksum: check it for a typo (or write it all in lower case)`,
    ],
    [
      { requirements: { contractAddress: undefined } },
      'config.picket.requirements.contractAddress of GET /holders: is undefined — an unset environment variable? Give a value or remove the key (an absent requirement would let more wallets in)',
    ],
    [
      { requirements: { contractAddress: PASS, minTokenBalance: -1 } },
      "config.picket.requirements.minTokenBalance of GET /holders: must be a non-negative decimal such as 1 or '0.5', got -1",
    ],
    [
      { requirements: { contractAddress: PASS, tokenIds: [7] } },
      "config.picket.requirements.tokenIds[0] of GET /holders: must be a token id as a string of digits, got 7 — write it as a string ('7'): ids can exceed 2^53",
    ],
    [{ optional: 'no' }, 'config.picket.optional of GET /holders: must be true or false, got "no"'],
    [
      { revalidate: true },
      'config.picket.revalidate of GET /holders: needs requirements or a gate to revalidate: add one or remove it',
    ],
  ]
  for (const [config, message] of cases) {
    const app = Fastify()
    await app.register(picket, local)
    try {
      app.get('/holders', { config: { picket: config as never } }, async () => ({}))
      await app.ready()
      t.fail(`accepted ${JSON.stringify(config)}`)
    } catch (error) {
      t.type(error, PicketOptionsError)
      t.equal((error as Error).message, `fastify-picket: ${message}`)
    } finally {
      await app.close()
    }
  }
})

t.test('gate() is strict the same way', async (t) => {
  const app = Fastify()
  await app.register(picket, local)
  t.teardown(() => app.close())
  t.throws(() => app.picket.gate({ requirements: { contractAdress: PASS } as never }), {
    message:
      "fastify-picket: gate().requirements: unknown key 'contractAdress' — did you mean 'contractAddress'?",
  })
  t.throws(() => app.picket.gate(false), { message: /gate\(false\) gates nothing/ })
  t.throws(() => app.picket.gate({ requirements: { collection: MINT, contractAddress: PASS } }), {
    message: /gate\(\).requirements.collection: is a Solana requirement, but this gate is on an EVM chain/,
  })
  t.throws(() => app.picket.gate({ chain: 'solana', requirements: { contractAddress: PASS } }), {
    message:
      /gate\(\).requirements.contractAddress: is an EVM requirement, but this gate is on a Solana chain/,
  })
})

t.test('good options register: apiKey + baseURL builds a client', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    apiKey: 'sk_x',
    baseURL: 'http://127.0.0.1:8787/api/v1',
    clientOptions: { timeout: 1000 },
    verify: {
      jwks: UNRELATED_JWKS,
      audience: 'p',
      algorithms: ['ES256'],
    },
    cache: { max: 10, ttl: 1000 },
    revalidateCache: { ttl: 0 },
    realm: 'my-api',
    allowedDomains: ['localhost:3000'],
    requirements: { contractAddress: PASS.toLowerCase(), minTokenBalance: '0.5' },
    routes: { prefix: '/auth/' },
  })
  app.get(
    '/sol',
    { config: { picket: { chain: 'solana', requirements: { tokenIds: [MINT], minTokenBalance: 2 } } } },
    async () => ({}),
  )
  app.get(
    '/ids',
    { config: { picket: { requirements: { contractAddress: PASS, tokenIds: ['1', '2'] } } } },
    async () => ({}),
  )
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

t.test('allowedDomains RegExps match whole domains; list entries are unique and capped', async (t) => {
  const { isAllowedDomain, resolveAllowedDomains } = await import('picket-core/server')
  const domains = resolveAllowedDomains(
    [/example\.com/, /^app\.example\.org|api\.example\.org$/g],
    'allowedDomains',
    (path, problem) => new Error(`${path}: ${problem}`),
  )
  t.ok(isAllowedDomain('example.com', domains))
  t.notOk(isAllowedDomain('example.com.attacker.net', domains), 'no unanchored end')
  t.notOk(
    isAllowedDomain('app.example.org.attacker.net', domains),
    'an alternation cannot leave one side open',
  )
  t.ok(isAllowedDomain('api.example.org', domains))
  t.ok(isAllowedDomain('api.example.org', domains), 'the g flag does not make it stateful')
  await expectOptionsError(
    t,
    { ...local, requirements: { contractAddress: PASS, tokenIds: ['1', '01'] } },
    'requirements.tokenIds[1]: repeats "01": list each entry once',
  )
  await expectOptionsError(
    t,
    {
      ...local,
      requirements: { contractAddress: PASS, tokenIds: Array.from({ length: 101 }, (_, i) => String(i)) },
    },
    'requirements.tokenIds: lists 101 entries; at most 100 are allowed (each is checked on chain)',
  )
})

t.test('metrics: a prom-client registry, checked strictly', async (t) => {
  const { Registry } = await import('prom-client')
  const registry = new Registry()
  await expectOptionsError(
    t,
    { ...local, metrics: { registry, prefx: 'app_' } },
    "metrics: unknown key 'prefx' — did you mean 'prefix'?",
  )
  await expectOptionsError(
    t,
    { ...local, metrics: { register: registry } },
    /^fastify-picket: metrics: unknown key 'register' — is called 'registry' here/,
  )
  await expectOptionsError(
    t,
    { ...local, metrics: { registry: {} } },
    /^fastify-picket: metrics\.registry: must be a prom-client Registry/,
  )
  await expectOptionsError(
    t,
    { ...local, metrics: { registry, prefix: 'my-app' } },
    /^fastify-picket: metrics\.prefix: must start a Prometheus metric name/,
  )
  await expectOptionsError(
    t,
    { ...local, cache: false, metrics: { registry } },
    'metrics: counts the verified-token cache, and cache is false: leave one of the two out',
  )
  // Two registrations in one registry need two prefixes; a closed app leaves the names free.
  const app = Fastify()
  await app.register(picket, { ...local, metrics: { registry } })
  await expectOptionsError(
    t,
    { ...local, metrics: { registry } },
    /^fastify-picket: metrics\.prefix: the registry has a metric named picket_token_cache_hits_total already/,
  )
  await registerWith({ ...local, metrics: { registry, prefix: 'second_' } })
  await app.close()
  t.equal(registry.getMetricsAsArray().length, 0, 'closing the apps removed their metrics')
  await registerWith({ ...local, metrics: { registry } })
})
