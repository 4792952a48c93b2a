import { request as httpRequest } from 'node:http'
import t from 'tap'
import { basicAuth, SIMPLE_PROJECT, SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

/**
 * One request per SDK quirk of reference §9 that touches the authority's endpoints, sent with
 * the exact header bytes and body shapes each SDK produces (§1.3, §2).
 */
const authority = await startTestAuthority()
t.teardown(() => authority.close())

t.test('§9 #1 Authorization header variants', async (t) => {
  const key = SIWE_PROJECT.secretKey
  const variants: Record<string, string> = {
    'picket-js (two spaces, no colon)': basicAuth.js(SIWE_PROJECT.publishableKey),
    'picket-node (no colon)': basicAuth.node(key),
    'picket-python (trailing colon)': basicAuth.python(key),
    'picket-go (trailing colon)': basicAuth.go(key),
    'lower-case scheme, tab, no padding': `basic\t${Buffer.from(key).toString('base64').replace(/=+$/, '')}`,
    'curl -u KEY:password (password ignored)': `Basic ${Buffer.from(`${key}:ignored`).toString('base64')}`,
  }
  for (const [name, auth] of Object.entries(variants)) {
    const res = await authority.call('GET', 'chains', { auth })
    t.equal(res.status, 200, name)
  }
})

t.test('missing, malformed and unknown keys are 401 with the documented codes', async (t) => {
  const missing = await authority.call('GET', 'chains', { auth: null })
  t.equal(missing.status, 401)
  t.equal(missing.body.code, 'authentication_required')
  t.match(missing.body.msg, /invalid project key/i)
  for (const auth of [
    'Bearer abc',
    'Basic',
    'Basic !!!',
    basicAuth.node('sk_unknown'),
    basicAuth.node(':'),
  ]) {
    const res = await authority.call('GET', 'chains', { auth })
    t.equal(res.status, 401, auth)
    t.same(res.body, { msg: 'Invalid project key', code: 'api_key_invalid' })
  }
})

t.test('§9 #5 picket-go /auth body: all-empty context and {} requirements (simple project)', async (t) => {
  const account = evmWallet()
  const auth = basicAuth.go(SIMPLE_PROJECT.secretKey)
  const { body } = await prepareEvmLogin(authority, account, { auth })
  const goBody = {
    chain: 'ethereum',
    walletAddress: account.address,
    signature: body.signature,
    requirements: {},
    context: { domain: '', uri: '', chainId: '', issuedAt: '', chainType: '', locale: '' },
  }
  const res = await authority.call('POST', 'auth', {
    body: goBody,
    auth,
    headers: { 'user-agent': 'picket-go' },
  })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.same(res.body.user.tokenBalances, {})
})

t.test('§9 #5 picket-go SIWE context with a string chainId', async (t) => {
  const account = evmWallet()
  const { body } = await prepareEvmLogin(authority, account, { context: siweContext({ chainId: '1' }) })
  t.equal((body.context as { chainId: unknown }).chainId, '1')
  const res = await authority.call('POST', 'auth', { body, auth: basicAuth.go(SIWE_PROJECT.secretKey) })
  t.equal(res.status, 200, JSON.stringify(res.body))
})

t.test('§9 #4/#6/#31 old picket-go empty requirements ("" and null fields) mean none', async (t) => {
  const account = evmWallet()
  const { body } = await prepareEvmLogin(authority, account)
  const res = await authority.call('POST', 'auth', {
    body: {
      ...body,
      requirements: {
        contractAddress: '',
        minTokenBalance: '',
        collection: '',
        creatorAddress: '',
        token_ids: null,
        allowedWallets: null,
      },
    },
    auth: basicAuth.go(SIWE_PROJECT.secretKey),
  })
  t.equal(res.status, 200, JSON.stringify(res.body))
})

t.test('§9 #2/#3/#20 nonce bodies of every SDK', async (t) => {
  const address = evmWallet().address
  const bodies = {
    js: { chain: 'ethereum', walletAddress: address, locale: 'en-US' },
    node: { chain: 'ethereum', walletAddress: address },
    python: { chain: 'ethereum', walletAddress: address, locale: 'en-US' },
    go: { chain: '', wallet_address: address, locale: '' },
    'no chain': { walletAddress: address },
  }
  const nonces = new Set<string>()
  for (const [sdk, body] of Object.entries(bodies)) {
    const res = await authority.call('POST', 'auth/nonce', { body })
    t.equal(res.status, 200, sdk)
    t.same(Object.keys(res.body).sort(), ['format', 'locale', 'nonce', 'statement'], sdk)
    nonces.add(res.body.nonce)
  }
  t.equal(nonces.size, 1, 'every SDK shape addresses the same wallet nonce')
})

t.test('§9 #27 wagmi aliases homestead and matic', async (t) => {
  const account = evmWallet()
  const homestead = await prepareEvmLogin(authority, account, { chain: 'homestead' })
  const res = await authority.call('POST', 'auth', { body: homestead.body })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.user.chain, 'ethereum')
  const matic = await prepareEvmLogin(authority, account, {
    chain: 'matic',
    context: siweContext({ chainId: 137 }),
  })
  const polygon = await authority.call('POST', 'auth', { body: matic.body })
  t.equal(polygon.status, 200, JSON.stringify(polygon.body))
  t.equal(polygon.body.user.chain, 'polygon')
  const info = await authority.call('GET', 'chains/matic')
  t.equal(info.body.chainSlug, 'polygon')
})

t.test('§9 #28 chunked request body (old picket-go), no redirects', async (t) => {
  const account = evmWallet()
  const payload = JSON.stringify({ chain: 'ethereum', wallet_address: account.address, locale: '' })
  const url = new URL(`${authority.url}/auth/nonce`)
  const { status, body, headers } = await new Promise<{
    status: number
    body: string
    headers: Record<string, unknown>
  }>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          authorization: basicAuth.go(SIWE_PROJECT.secretKey),
          'content-type': 'application/json',
          'user-agent': 'picket-go',
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.write(payload.slice(0, 10))
    req.write(payload.slice(10))
    req.end()
  })
  t.equal(status, 200, body)
  t.notOk(headers.location)
  t.match(JSON.parse(body), { format: 'siwe' })

  const slash = await authority.call('POST', 'auth/nonce/', { body: { walletAddress: account.address } })
  t.equal(slash.status, 200, 'a trailing slash is served, not redirected')
})

t.test('§9 #14/#15 chains: list under data, single chain bare, chainId and chainID', async (t) => {
  const list = await authority.call('GET', 'chains', { headers: { 'content-type': 'application/json' } })
  t.equal(list.status, 200)
  t.ok(Array.isArray(list.body.data))
  const slugs = list.body.data.map((c: { chainSlug: string }) => c.chainSlug)
  for (const slug of [
    'ethereum',
    'polygon',
    'optimism',
    'arbitrum',
    'avalanche',
    'base',
    'solana',
    'localhost',
  ]) {
    t.ok(slugs.includes(slug), slug)
  }
  const ethereum = await authority.call('GET', 'chains/ethereum', {
    auth: basicAuth.js(SIWE_PROJECT.publishableKey),
  })
  t.match(ethereum.body, {
    chainSlug: 'ethereum',
    chainId: 1,
    chainID: 1,
    chainType: 'ethereum',
    chainName: 'Ethereum',
  })
  t.type(ethereum.body.authorizationSupported, 'boolean')
  t.type(ethereum.body.publicRPC, 'string')
  const unknown = await authority.call('GET', 'chains/dogechain')
  t.equal(unknown.status, 404)
  t.same(unknown.body, { msg: 'Unsupported chain: dogechain', code: 'resource_not_found' })
})

t.test('§9 #13 python reads required keys; validate with {} requirements', async (t) => {
  const { body } = await prepareEvmLogin(authority, evmWallet())
  const login = await authority.call('POST', 'auth', { body })
  const python = basicAuth.python(SIWE_PROJECT.secretKey)
  const res = await authority.call('POST', 'auth/validate', {
    body: { accessToken: login.body.accessToken, requirements: {} },
    auth: python,
    headers: { 'user-agent': 'Picket Python Client' },
  })
  t.equal(res.status, 200)
  for (const key of [
    'chain',
    'walletAddress',
    'displayAddress',
    'tokenBalances',
    'iat',
    'exp',
    'iss',
    'sub',
    'aud',
    'tid',
    'ver',
  ]) {
    t.ok(key in res.body, key)
  }
  const authz = await authority.call('POST', 'authz', {
    body: { accessToken: login.body.accessToken, requirements: {}, revalidate: false },
    auth: python,
  })
  t.equal(authz.status, 200)
  t.same(Object.keys(authz.body.user).sort(), ['chain', 'displayAddress', 'tokenBalances', 'walletAddress'])
})

t.test('CORS for picket-js in a browser: preflight and headers on answers and errors', async (t) => {
  const preflight = await fetch(`${authority.url}/auth/nonce`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:3000',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), '*')
  t.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i)
  t.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/)
  const answer = await authority.call('GET', 'chains', { headers: { origin: 'http://localhost:3000' } })
  t.equal(answer.headers.get('access-control-allow-origin'), '*')
  const error = await authority.call('GET', 'chains', {
    auth: null,
    headers: { origin: 'http://localhost:3000' },
  })
  t.equal(error.headers.get('access-control-allow-origin'), '*')
})
