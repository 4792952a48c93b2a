/**
 * Bounded work (issue 10, items 11–13): what one request (or a flood) can make the authority
 * and the plugin do. A real authority and plugin over real HTTP; Solana reads go to the loopback
 * server that answers Solana JSON-RPC and Metaplex DAS in their documented shapes (no Solana
 * validator with a DAS indexer can run here), which counts every call and how many run at once.
 *
 *   item 11: caps on ids and collections (400 naming the limit), a few reads at a time per
 *            request, reads stopped when the first fails or the client hangs up, identical
 *            reads shared, a refused token remembered (remote mode: one /auth/validate);
 *   item 12: rate limits per IP and per wallet (429 + Retry-After), a full nonce store refuses
 *            new nonces instead of evicting one a wallet already signed;
 *   item 13: a body over the API's limit, forwarded by the plugin, is a 413 naming the limit.
 */
import { base58 } from '@scure/base'
import Fastify from 'fastify'
import picket from 'fastify-picket'
import { type StartAuthorityOptions, startAuthority } from 'picket-authority'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { createMemoryNonceStore } from '../../packages/authority/src/nonces/memory-store.js'
import { createRedisNonceStore } from '../../packages/authority/src/nonces/redis-store.js'
import { NonceStoreFullError } from '../../packages/authority/src/nonces/store.js'
import { prepareSiweLogin } from '../../tools/siwe-login.js'
import { startSolanaRpcServer } from '../authority/chains/fixtures/solana-rpc-server.js'
import { startRedisServer } from '../support/redis-server.js'
import { DOMAIN, PROJECT, startStack } from '../support/stack.js'

const stack = await startStack()
t.teardown(() => stack.close())
const rpc = await startSolanaRpcServer()
t.teardown(() => rpc.close())

/** A valid Solana address (32 bytes) from a number. */
const address = (n: number) =>
  base58.encode(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : (n >> (i % 4)) & 0xff)))
const OWNER = address(999_999)

async function solanaAuthority(options: Record<string, unknown> = {}) {
  const authority = await startAuthority({
    port: 0,
    issuer: 'http://bounded.test/api/v1',
    projects: [PROJECT],
    chains: { solana: { rpcUrl: rpc.url } },
    rpcTimeout: 3000,
    rateLimit: false,
    warn: () => {},
    ...options,
  })
  t.teardown(() => authority.close())
  return { authority, client: new PicketClient(PROJECT.secretKey, { baseURL: authority.url, retry: false }) }
}
/** An authority on the dev chain (`localhost`), rate limits off unless `options` set them. */
async function localhostAuthority(options: Partial<StartAuthorityOptions> = {}) {
  const authority = await startAuthority({
    port: 0,
    issuer: 'http://bounded.test/api/v1',
    projects: [PROJECT],
    chains: { localhost: { rpcUrl: stack.chain.rpcUrl, chainId: stack.chain.chainId } },
    rateLimit: false,
    warn: () => {},
    ...options,
  })
  t.teardown(() => authority.close())
  return authority
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Ten collections the owner holds 10,000 assets of (ten full DAS pages each), answered slowly. */
function fullCollections(t: Test, first: number, delayMs: number): string[] {
  const collections = Array.from({ length: 10 }, (_, i) => address(first + i))
  rpc.state.collections[OWNER] = Object.fromEntries(collections.map((c) => [c, 10_000]))
  rpc.state.delayMs.searchAssets = delayMs
  t.teardown(() => {
    delete rpc.state.delayMs.searchAssets
    rpc.state.errorFor = undefined
  })
  return collections
}

t.test('item 11: lists over the caps are refused before any chain read, naming the limit', async (t) => {
  const { client } = await solanaAuthority()
  const before = rpc.requests.length
  const mints = Array.from({ length: 1400 }, (_, i) => address(i))
  const many = await client
    .tokenOwnership({ chain: 'solana', walletAddress: OWNER, tokenIds: mints })
    .catch((e) => e)
  t.equal(many.status, 400)
  t.equal(many.msg, 'tokenIds lists 1400 entries; at most 100 are allowed per request')
  const collections = await client
    .tokenOwnership({ chain: 'solana', walletAddress: OWNER, collection: mints.slice(0, 11) } as never)
    .catch((e) => e)
  t.equal(collections.status, 400)
  t.match(collections.msg, 'at most 10 are allowed')
  t.equal(rpc.requests.length - before, 0, 'no RPC call was made')
})

t.test('item 11: a request reads a few at a time, and stops when the first read fails', async (t) => {
  const { client } = await solanaAuthority()
  const collections = fullCollections(t, 500, 20)
  const before = rpc.requests.length
  const full = await client.tokenOwnership({
    chain: 'solana',
    walletAddress: OWNER,
    collection: collections,
  } as never)
  t.equal(full.tokenBalances?.collection?.[collections[0]!], '10000', 'ten full pages per collection')
  t.equal(rpc.requests.length - before, 100, 'at most 10 pages × 10 collections')
  t.ok(rpc.maxInFlight <= 4, `at most 4 reads at once for one request (saw ${rpc.maxInFlight})`)

  // The third collection fails: the answer is 424, and the reads still queued do not go on.
  rpc.state.errorFor = (method, params) =>
    method === 'searchAssets' && (params as { grouping?: string[] }).grouping?.[1] === collections[2]
      ? { code: -32000, message: 'DAS is down' }
      : undefined
  const start = rpc.requests.length
  const failed = await client
    .tokenOwnership({ chain: 'solana', walletAddress: OWNER, collection: collections } as never)
    .catch((e) => e)
  t.equal(failed.status, 424)
  const atAnswer = rpc.requests.length - start
  await settle(500)
  const after = rpc.requests.length - start
  t.ok(
    after <= atAnswer + 4,
    `reads stop after the failure (${atAnswer} at the answer, ${after} half a second later)`,
  )
  t.ok(after < 40, `far fewer than the 100 reads of a full run (${after})`)
})

t.test('item 11: a client that hangs up stops its reads', async (t) => {
  const { authority } = await solanaAuthority()
  const collections = fullCollections(t, 700, 100)
  const start = rpc.requests.length
  const controller = new AbortController()
  const pending = fetch(`${authority.url}/chains/solana/wallets/${OWNER}/tokenOwnership`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ collection: collections }),
    signal: controller.signal,
  }).catch(() => undefined)
  await settle(250)
  controller.abort()
  await pending
  await settle(300)
  const atHangUp = rpc.requests.length - start
  await settle(700)
  const later = rpc.requests.length - start
  t.ok(later <= atHangUp + 4, `no new reads after the hang-up (${atHangUp} then ${later})`)
  t.ok(later < 30, `a fraction of the 100 reads (${later})`)
})

t.test('item 11: identical concurrent questions share one read', async (t) => {
  const { client } = await solanaAuthority()
  const mint = address(42)
  rpc.state.tokenAccounts[OWNER] = { [mint]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
  rpc.state.delayMs.getTokenAccountsByOwner = 100
  t.teardown(() => {
    delete rpc.state.delayMs.getTokenAccountsByOwner
  })
  const before = rpc.requests.length
  const answers = await Promise.all(
    Array.from({ length: 10 }, () =>
      client.tokenOwnership({ chain: 'solana', walletAddress: OWNER, tokenIds: [mint] }),
    ),
  )
  t.ok(answers.every((a) => a.allowed && a.tokenBalances?.tokenIds?.[mint] === '5'))
  t.equal(rpc.requests.length - before, 1, 'ten questions, one RPC call')
})

t.test('item 11: in remote mode a flood of one forged token costs one /auth/validate', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', allowedDomains: [DOMAIN] })
  app.get('/me', { config: { picket: true } }, async () => ({}))
  t.teardown(() => app.close())
  const login = await stack.login(stack.holder)
  const [header, payload] = login.accessToken.split('.')
  const forged = `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`
  const before = stack.calls.get('/auth/validate') ?? 0
  for (let i = 0; i < 20; i++)
    t.equal(
      (await app.inject({ url: '/me', headers: { authorization: `Bearer ${forged}` } })).statusCode,
      401,
    )
  t.equal((stack.calls.get('/auth/validate') ?? 0) - before, 1, 'twenty requests, one call')
})

t.test('item 12: the authority rate-limits per wallet and per IP (429 + Retry-After)', async (t) => {
  const authority = await localhostAuthority({
    rateLimit: { perWallet: { max: 3 }, perIp: { max: 8 } },
  })
  const client = new PicketClient(PROJECT.secretKey, { baseURL: authority.url, retry: false })
  const ask = (walletAddress: string) => client.nonce({ chain: 'localhost', walletAddress }).catch((e) => e)
  for (let i = 0; i < 3; i++) t.type((await ask(stack.holder.address)).nonce, 'string')
  const wallet = await ask(stack.holder.address.toLowerCase())
  t.equal(wallet.status, 429, 'the fourth nonce for one wallet (any casing)')
  t.ok(wallet.retryAfter > 0, 'with Retry-After')
  for (let i = 0; i < 4; i++) await ask(privateKeyToAccount(stack.chain.accounts[4 + i]!.privateKey).address)
  const ip = await ask(stack.outsider.address)
  t.equal(ip.status, 429, 'past the per-IP limit, any wallet')
})

t.test('item 12: a full nonce store refuses new nonces and keeps the ones already signed', async (t) => {
  const authority = await localhostAuthority({
    nonceStore: createMemoryNonceStore({ ttlSeconds: 120, maxEntries: 50 }),
  })
  const client = new PicketClient(PROJECT.secretKey, { baseURL: authority.url, retry: false })
  const victim = await prepareSiweLogin(client, stack.holder, {
    chain: 'localhost',
    chainId: stack.chain.chainId,
    domain: DOMAIN,
  })
  const statuses: number[] = []
  for (let i = 0; i < 100; i++) {
    const flood = `0x${(i + 1).toString(16).padStart(40, '0')}`
    statuses.push(
      await client.nonce({ chain: 'localhost', walletAddress: flood }).then(
        () => 200,
        (e) => e.status,
      ),
    )
  }
  t.equal(statuses.filter((s) => s === 200).length, 49, 'the store filled up')
  t.ok(
    statuses.slice(49).every((s) => s === 503),
    'then refused with 503',
  )
  const login = await client.auth(victim)
  t.type(login.accessToken, 'string', "the victim's already-signed login still succeeds")

  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const store = createRedisNonceStore({
    redis: redis.url,
    ttlSeconds: 60,
    maxEntries: 5,
    keyPrefix: 'bounded:',
  })
  t.teardown(() => store.close())
  const first = await store.issue('a')
  for (const key of ['b', 'c', 'd', 'e']) await store.issue(key)
  await t.rejects(store.issue('f'), NonceStoreFullError, 'the Redis store has the same bound')
  t.equal(await store.issue('a'), first, 'a live nonce is still handed out')
  t.ok(await store.consume('a', first))
  t.type(await store.issue('f'), 'string', 'a used nonce frees its place')
})

t.test("item 12: the plugin's helper routes are rate-limited per wallet", async (t) => {
  const app = Fastify()
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
    allowedDomains: [DOMAIN],
    routes: { rateLimit: { perWallet: { max: 2, timeWindow: 60_000 } } },
  })
  t.teardown(() => app.close())
  const nonce = () =>
    app.inject({
      method: 'POST',
      url: '/auth/nonce',
      payload: { chain: 'localhost', walletAddress: stack.outsider.address },
    })
  t.equal((await nonce()).statusCode, 200)
  t.equal((await nonce()).statusCode, 200)
  const third = await nonce()
  t.equal(third.statusCode, 429)
  t.match(third.headers['retry-after'], /^\d+$/)
})

t.test(
  "item 13: a body over the API's limit, forwarded by /auth/authz, is a 413 naming the limit",
  async (t) => {
    const authority = await startAuthority({
      port: 0,
      issuer: stack.authority.issuer,
      signingKey: stack.signingJwk as never,
      projects: [PROJECT],
      chains: { localhost: { rpcUrl: stack.chain.rpcUrl, chainId: stack.chain.chainId } },
      bodyLimit: 4096,
      rateLimit: false,
      warn: () => {},
    })
    t.teardown(() => authority.close())
    const app = Fastify()
    await app.register(picket, {
      client: new PicketClient(PROJECT.secretKey, { baseURL: authority.url }),
      chain: 'localhost',
      allowedDomains: [DOMAIN],
      routes: {},
    })
    t.teardown(() => app.close())
    const login = await stack.login(stack.holder)
    const wallets = Array.from({ length: 300 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`)
    const overApi = await app.inject({
      method: 'POST',
      url: '/auth/authz',
      headers: { authorization: `Bearer ${login.accessToken}` },
      payload: { requirements: { allowedWallets: wallets } },
    })
    t.equal(overApi.statusCode, 413, overApi.body)
    t.match(overApi.json().message, 'larger than the limit of 4096 bytes')
    const overPlugin = await app.inject({
      method: 'POST',
      url: '/auth/authz',
      headers: { authorization: `Bearer ${login.accessToken}` },
      payload: { requirements: { allowedWallets: Array.from({ length: 2000 }, () => wallets[0]) } },
    })
    t.equal(overPlugin.statusCode, 413)
    t.match(overPlugin.json().message, 'larger than the limit of 65536 bytes')
  },
)

t.test('item 11: tokenOwnership is for servers (secret key) and is rate-limited', async (t) => {
  const authority = await localhostAuthority({
    // Four per wallet: the refused publishable-key request counts too.
    rateLimit: { perWallet: { max: 4 } },
  })
  const ask = (key: string, walletAddress: string) =>
    new PicketClient(key, { baseURL: authority.url, retry: false })
      .tokenOwnership({ chain: 'localhost', walletAddress, contractAddress: stack.pass })
      .then(
        () => 200,
        (e) => e.status,
      )
  t.equal(await ask(PROJECT.publishableKey, stack.holder.address), 403, 'not with the public publishable key')
  for (let i = 0; i < 3; i++) t.equal(await ask(PROJECT.secretKey, stack.holder.address), 200)
  t.equal(await ask(PROJECT.secretKey, stack.holder.address), 429, 'per wallet (the one in the path)')
})

t.test("item 11: authz's per-wallet limit counts the token's wallet, whatever the body claims", async (t) => {
  const authority = await localhostAuthority({
    issuer: stack.authority.issuer,
    signingKey: stack.signingJwk as never,
    rateLimit: { perWallet: { max: 3 } },
  })
  const login = await stack.login(stack.holder)
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${authority.url}/authz`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(PROJECT.publishableKey).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        accessToken: login.accessToken,
        requirements: { contractAddress: stack.pass },
        revalidate: true,
        walletAddress: `0x${(i + 1).toString(16).padStart(40, '0')}`,
      }),
    })
    statuses.push(res.status)
  }
  t.same(statuses, [200, 200, 200, 429, 429])
})

t.test('item 11: token-standard detection takes a slot of the read pool like any read', async (t) => {
  // A JSON-RPC front of the dev chain that counts how many calls it serves at once.
  let inFlight = 0
  let peak = 0
  const front = Fastify()
  front.post('/', async (request, reply) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    try {
      await settle(30)
      const upstream = await fetch(stack.chain.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
      })
      return reply.type('application/json').send(await upstream.text())
    } finally {
      inFlight--
    }
  })
  await front.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => front.close())
  const { createBalanceReader } = await import('../../packages/authority/src/chains/index.js')
  const { createChainRegistry } = await import('../../packages/authority/src/chains/registry.js')
  const { normalizeRequirements } = await import('../../packages/core/src/core/requirements.js')
  const chain = createChainRegistry({
    localhost: {
      rpcUrl: `http://127.0.0.1:${(front.server.address() as { port: number }).port}/`,
      chainId: stack.chain.chainId,
    },
  }).get('localhost')!
  const reader = createBalanceReader({ maxConcurrentReads: 2 })
  t.teardown(() => reader.close?.())
  // Forty questions about forty different contracts (each needs its own detection).
  const contracts = Array.from({ length: 40 }, (_, i) => `0x${(i + 0x1000).toString(16).padStart(40, '0')}`)
  await Promise.allSettled(
    contracts.map((contract) =>
      reader.readBalances(chain, stack.holder.address, normalizeRequirements({ contractAddress: contract })),
    ),
  )
  // A detection asks its three questions at once: two slots, at most six calls.
  t.ok(peak <= 6, `at most 2 reads (6 calls) at once, saw ${peak}`)
})

t.test('no 500 for extreme minimums: they are refused as 400', async (t) => {
  const { client } = await solanaAuthority()
  for (const minTokenBalance of ['1e400', '1e-1000']) {
    const res = await client
      .tokenOwnership({ chain: 'solana', walletAddress: OWNER, tokenIds: [address(1)], minTokenBalance })
      .catch((e) => e)
    t.equal(res.status, 400, minTokenBalance)
    t.match(res.msg, 'minTokenBalance is out of range')
  }
})

t.test(
  'remote mode: a validate endpoint that answers 404 is an outage (503), not 401 for everyone',
  async (t) => {
    const nowhere = Fastify()
    await nowhere.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(() => nowhere.close())
    const app = Fastify()
    await app.register(picket, {
      client: new PicketClient(PROJECT.secretKey, {
        baseURL: `http://127.0.0.1:${(nowhere.server.address() as { port: number }).port}/wrong/v1`,
        retry: false,
      }),
    })
    app.get('/me', { config: { picket: true } }, async () => ({}))
    t.teardown(() => app.close())
    const login = await stack.login(stack.holder)
    const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${login.accessToken}` } })
    t.equal(res.statusCode, 503)
    t.ok(res.headers['retry-after'])
  },
)
