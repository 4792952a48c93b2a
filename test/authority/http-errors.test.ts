import { SignJWT } from 'jose'
import t from 'tap'
import { basicAuth, SIMPLE_PROJECT, SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin } from './support/wallets.js'

/** Every answer is JSON `{ msg, code }` (§1.6, §3), including the ones Fastify itself produces. */
const authority = await startTestAuthority({ bodyLimit: 1024 })
t.teardown(() => authority.close())

t.test('404s are JSON inside and outside the prefix, with or without a key', async (t) => {
  for (const path of ['nope', 'auth/nonce/extra']) {
    const res = await authority.call('POST', path, { body: {}, auth: null })
    t.equal(res.status, 404, path)
    t.equal(res.body.code, 'resource_not_found')
    t.type(res.body.msg, 'string')
  }
  const wrongMethod = await authority.call('GET', 'auth')
  t.equal(wrongMethod.status, 404)
  const outside = await fetch(authority.url.replace('/api/v1', '/v1/auth'))
  t.equal(outside.status, 404)
  t.match(await outside.json(), { code: 'resource_not_found', msg: /\/api\/v1/ })
})

t.test(
  'body problems: invalid JSON 400, wrong content type 415, too large 413, empty 400, not an object 400',
  async (t) => {
    const invalid = await authority.call('POST', 'auth/nonce', { body: '{"walletAddress": ' })
    t.equal(invalid.status, 400)
    t.same(invalid.body, { msg: 'Request body is not valid JSON', code: 'parameter_invalid' })

    const form = await authority.call('POST', 'auth/nonce', {
      body: 'walletAddress=0x1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    t.equal(form.status, 415)
    t.equal(form.body.code, 'unsupported_media_type')

    const large = await authority.call('POST', 'auth/nonce', { body: { walletAddress: 'x'.repeat(2000) } })
    t.equal(large.status, 413)
    t.equal(large.body.code, 'payload_too_large')

    const empty = await authority.call('POST', 'auth/nonce', { body: '' })
    t.equal(empty.status, 400)
    t.equal(empty.body.code, 'parameter_invalid')

    const array = await authority.call('POST', 'auth/nonce', { body: [] })
    t.equal(array.status, 400)
    t.match(array.body.msg, /JSON object/)

    const poisoned = await authority.call('POST', 'auth/nonce', { body: '{"__proto__": {"x": 1}}' })
    t.equal(poisoned.status, 400)
    t.type(poisoned.body.msg, 'string')
  },
)

t.test('missing and mistyped fields are 400 parameter_invalid naming the field', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['auth/nonce', {}, /^walletAddress is required: a non-empty string$/],
    ['auth/nonce', { walletAddress: 42 }, /^walletAddress must be a non-empty string, got 42$/],
    ['auth/nonce', { walletAddress: '0x123' }, /walletAddress .* not a valid Ethereum address/],
    [
      'auth/nonce',
      { walletAddress: evmWallet().address, chain: 'dogechain' },
      /chain "dogechain" is not supported/,
    ],
    ['auth', { walletAddress: evmWallet().address }, /signature is required/],
    [
      'auth',
      { walletAddress: evmWallet().address, signature: '0x', context: 'x' },
      /^context must be an object, got "x"$/,
    ],
    [
      'auth',
      { walletAddress: evmWallet().address, signature: '0x', context: { chainId: 'one' } },
      /^context\.chainId must be an integer ≥ 1, got "one"$/,
    ],
    [
      'auth',
      { walletAddress: evmWallet().address, signature: '0x', requirements: { minTokenBalance: 'lots' } },
      /minTokenBalance/,
    ],
    ['auth/validate', {}, /accessToken is required/],
    ['authz', { accessToken: 'x', revalidate: 'maybe' }, /^revalidate must be true or false, got "maybe"$/],
    [`chains/ethereum/wallets/${evmWallet().address}/tokenOwnership`, {}, /needs a requirement/],
  ]
  for (const [path, body, msg] of cases) {
    const res = await authority.call('POST', path, { body })
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`)
    t.equal(res.body.code, 'parameter_invalid')
    t.match(res.body.msg, msg)
  }
})

t.test(
  'access tokens: garbage, tampered, foreign project, other issuer, expired → 401 access_token_invalid',
  async (t) => {
    const { body } = await prepareEvmLogin(authority, evmWallet())
    const login = await authority.call('POST', 'auth', { body })
    const token = login.body.accessToken as string
    const [h, p, s] = token.split('.')
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), walletAddress: '0x0' })).toString('base64url')}.${s}`
    const otherKey = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])
    const forged = await new SignJWT({ chain: 'ethereum', walletAddress: '0x1', tid: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(authority.issuer)
      .setAudience(SIWE_PROJECT.id)
      .setSubject('ethereum:0x1')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(otherKey.privateKey)
    const cases: Array<[string, string, string | null, RegExp]> = [
      ['garbage', 'not-a-jwt', null, /malformed/],
      ['tampered', tampered, null, /signature/],
      ['signed by another key', forged, null, /signature/],
      ['foreign project', token, basicAuth.node(SIMPLE_PROJECT.secretKey), /another project/],
    ]
    for (const [name, accessToken, auth, msg] of cases) {
      const res = await authority.call('POST', 'auth/validate', {
        body: { accessToken },
        ...(auth ? { auth } : {}),
      })
      t.equal(res.status, 401, name)
      t.equal(res.body.code, 'access_token_invalid', name)
      t.match(res.body.msg, msg, name)
    }
  },
)

t.test('an expired token is refused by validate and authz', async (t) => {
  let offset = 0
  const clocked = await startTestAuthority({ now: () => Date.now() + offset })
  t.teardown(() => clocked.close())
  const { body } = await prepareEvmLogin(clocked, evmWallet())
  const login = await clocked.call('POST', 'auth', { body })
  t.equal(login.status, 200)
  offset = 43201 * 1000
  for (const path of ['auth/validate', 'authz']) {
    const res = await clocked.call('POST', path, {
      body: { accessToken: login.body.accessToken, requirements: {} },
    })
    t.equal(res.status, 401, path)
    t.match(res.body.msg, /expired/)
  }
})

t.test('an unexpected server fault is a 500 JSON body without internals', async (t) => {
  const broken = await startTestAuthority({
    balanceReader: {
      readBalances: async () => {
        throw new Error('secret internal detail')
      },
      resolveDisplayAddress: async (_chain, address) => address,
      publicClientFor: () => undefined,
    },
    chains: { localhost: { rpcUrl: 'http://127.0.0.1:9' } },
  })
  t.teardown(() => broken.close())
  const res = await broken.call('POST', `chains/localhost/wallets/${evmWallet().address}/tokenOwnership`, {
    body: { contractAddress: evmWallet().address },
  })
  t.equal(res.status, 500)
  t.same(res.body, { msg: 'Internal server error', code: 'internal_error' })
})
