/**
 * Chain reads that survive a bad RPC: two loopback proxies in front of the real dev chain
 * (ganache) play endpoints that hang, answer HTTP 502, answer JSON-RPC -32603, and recover.
 * Fallback, circuit breakers (424 while endpoints are tried, then 503 + Retry-After without
 * touching them), the probe after the cooldown, shared reads in flight, the balance cache, and
 * the block number a token's balances were read at — read through the authority over HTTP.
 */
import { decodeJwt } from 'jose'
import t from 'tap'
import { parseAbi } from 'viem'
import {
  ChainEndpointsDownError,
  ChainUnavailableError,
  createBalanceReader,
  createChainRegistry,
  UnsupportedTokenError,
} from '../../../packages/authority/src/chains/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { startDevChain } from '../../../tools/devchain/index.js'
import { basicAuth, SIWE_PROJECT, startTestAuthority } from '../support/authority.js'
import { startRpcProxy } from '../support/rpc-proxy.js'
import { evmWallet, prepareEvmLogin, siweContext } from '../support/wallets.js'

const dev = await startDevChain()
t.teardown(() => dev.close())
const a = await startRpcProxy(dev.rpcUrl)
const b = await startRpcProxy(dev.rpcUrl)
t.teardown(() => Promise.all([a.close(), b.close()]))
t.beforeEach(() => {
  for (const proxy of [a, b]) {
    proxy.setFault(undefined)
    proxy.reset()
  }
})

const holder = dev.accounts[1]!.address
const coin = await dev.deployERC20({ decimals: 0 })
await dev.mintERC20(coin, holder, 5n)
const requirements = normalizeRequirements({ contractAddress: coin })
const chainOver = (urls: string[]) => createChainRegistry({ localhost: { rpcUrls: urls } }).get('localhost')!
const balanceOf = (reading: { tokenBalances: { contractAddress?: Record<string, string> } }) =>
  reading.tokenBalances.contractAddress?.[coin]

t.test('a hanging endpoint costs one timeout, then it is skipped', async (t) => {
  const reader = createBalanceReader({ timeout: 1500, breakerFailures: 1, breakerCooldownMs: 60_000 })
  t.teardown(() => reader.close?.())
  const chain = chainOver([a.url, b.url])
  a.setFault('hang')

  const first = await reader.readBalances(chain, holder, requirements)
  t.equal(balanceOf(first), '5', 'answered by the second endpoint')
  t.ok(a.refused >= 1, 'the first endpoint was tried')
  t.same(reader.breakers?.openEndpoints(), [a.url], 'and is open now')

  a.reset()
  b.reset()
  const started = performance.now()
  const second = await reader.readBalances(chain, holder, requirements)
  const elapsed = performance.now() - started
  t.equal(balanceOf(second), '5')
  t.equal(a.refused + a.methods.length, 0, 'nothing more is sent to the open endpoint')
  t.same(b.methods, ['eth_blockNumber', 'eth_call'])
  t.ok(elapsed < 1500, `no timeout is waited for any more (${elapsed.toFixed(0)} ms)`)
})

t.test(
  'an endpoint whose chain-id check hangs is skipped even when the first request is an eth_call',
  async (t) => {
    // A contract call's own timeout is the request's (never counted, never retried elsewhere); the
    // endpoint's chain-id check before it is not: that timeout is the endpoint's, and the call moves on.
    const reader = createBalanceReader({ timeout: 1000, breakerFailures: 1, breakerCooldownMs: 60_000 })
    t.teardown(() => reader.close?.())
    a.setFault('hang')
    const client = reader.publicClientFor(chainOver([a.url, b.url]))!
    const units = await client.readContract({
      address: coin,
      abi: parseAbi(['function balanceOf(address) view returns (uint256)']),
      functionName: 'balanceOf',
      args: [holder],
    })
    t.equal(units, 5n, 'answered by the second endpoint')
    t.same(reader.breakers?.openEndpoints(), [a.url])
  },
)

t.test('every endpoint failing: 424 while they are tried, then 503 at once with Retry-After', async (t) => {
  const reader = createBalanceReader({ timeout: 5000, breakerFailures: 2, breakerCooldownMs: 60_000 })
  t.teardown(() => reader.close?.())
  const chain = chainOver([a.url, b.url])
  // Warm the token-standard cache so each read is exactly eth_blockNumber + balanceOf.
  await reader.readBalances(chain, holder, requirements)
  a.setFault('http-502')
  b.setFault('rpc-error') // JSON-RPC -32603 from a provider is its outage, not the contract's answer

  const first = await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e)
  t.type(first, ChainUnavailableError, 'the endpoints were asked: 424')
  t.equal((first as ChainUnavailableError).statusCode, 424)
  t.ok(a.refused >= 1 && b.refused >= 1, 'both endpoints were tried')
  const second = await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e)
  t.type(second, ChainUnavailableError, 'second failure of each: 424, now both are open')
  t.equal((second as ChainUnavailableError).statusCode, 424)
  t.same(reader.breakers?.openEndpoints().sort(), [a.url, b.url].sort())

  const asked = a.refused + b.refused
  const down = await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e)
  t.type(down, ChainEndpointsDownError)
  const error = down as ChainEndpointsDownError
  t.equal(error.statusCode, 503)
  t.equal(error.code, 'chain_unavailable')
  t.ok(error.retryAfter >= 1 && error.retryAfter <= 60, `Retry-After ${error.retryAfter} s`)
  t.equal(a.refused + b.refused, asked, 'no request reached either endpoint')
})

t.test(
  'after the cooldown one probe goes: its success closes the circuit, its failure reopens it',
  async (t) => {
    const reader = createBalanceReader({ timeout: 5000, breakerFailures: 1, breakerCooldownMs: 1000 })
    t.teardown(() => reader.close?.())
    const chain = chainOver([a.url])
    await reader.readBalances(chain, holder, requirements)
    a.setFault('http-502')
    t.type(
      await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e),
      ChainUnavailableError,
    )
    t.type(
      await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e),
      ChainEndpointsDownError,
    )

    // Still failing after the cooldown: the probe is the only request, and the circuit reopens.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    a.reset()
    t.type(
      await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e),
      ChainUnavailableError,
    )
    t.equal(a.refused, 1, 'one probe request')
    t.type(
      await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e),
      ChainEndpointsDownError,
    )

    // Recovered: the next probe answers and reads flow again.
    a.setFault(undefined)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    t.equal(balanceOf(await reader.readBalances(chain, holder, requirements)), '5')
    t.same(reader.breakers?.openEndpoints(), [])
    t.equal(balanceOf(await reader.readBalances(chain, holder, requirements)), '5')
  },
)

t.test(
  'slow or failing contract calls never open an endpoint: a client cannot make every gate 503',
  async (t) => {
    // An attacker can name a contract whose code burns gas until the node's timeout, or that the
    // node refuses with a JSON-RPC error: a request of the client's making. Were those counted,
    // a few requests would open every endpoint and refuse every wallet's gate for the cooldown.
    const reader = createBalanceReader({ timeout: 500, breakerFailures: 1, breakerCooldownMs: 60_000 })
    t.teardown(() => reader.close?.())
    const chain = chainOver([a.url, b.url])
    await reader.readBalances(chain, holder, requirements) // token standard detected and cached
    for (const fault of ['hang', 'rpc-error'] as const) {
      a.setFault(fault, ['eth_call'])
      b.setFault(fault, ['eth_call'])
      for (let i = 0; i < 3; i++) {
        const error = await reader.readBalances(chain, holder, requirements).catch((e: unknown) => e)
        t.type(error, ChainUnavailableError, `${fault}: the read fails (both endpoints were tried)`)
        t.equal((error as ChainUnavailableError).statusCode, 424)
      }
      t.same(reader.breakers?.openEndpoints(), [], `${fault}: no endpoint is open`)
    }
    a.setFault(undefined)
    b.setFault(undefined)
    t.equal(balanceOf(await reader.readBalances(chain, holder, requirements)), '5', 'other reads go on')
  },
)

t.test('a contract that reverts is an answer: it never opens an endpoint', async (t) => {
  const reader = createBalanceReader({ timeout: 5000, breakerFailures: 1, breakerCooldownMs: 60_000 })
  t.teardown(() => reader.close?.())
  const chain = chainOver([a.url])
  const wallet = await dev.deployERC1271Wallet(holder) // code and ERC-165, but every token call reverts
  for (let i = 0; i < 3; i++) {
    const error = await reader
      .readBalances(chain, holder, normalizeRequirements({ contractAddress: wallet }))
      .catch((e: unknown) => e)
    t.type(error, UnsupportedTokenError)
  }
  t.same(reader.breakers?.openEndpoints(), [], 'reverts are not failures of the endpoint')
  t.equal(balanceOf(await reader.readBalances(chain, holder, requirements)), '5')
})

t.test('identical reads in flight share one read, whatever else their requirements say', async (t) => {
  const reader = createBalanceReader({ timeout: 10_000 })
  t.teardown(() => reader.close?.())
  const chain = chainOver([b.url])
  await reader.readBalances(chain, holder, requirements)
  b.reset()
  const questions = Array.from({ length: 10 }, (_, i) =>
    normalizeRequirements({ contractAddress: coin, minTokenBalance: String(i + 1) }),
  )
  const readings = await Promise.all(questions.map((q) => reader.readBalances(chain, holder, q)))
  t.same(new Set(readings.map(balanceOf)), new Set(['5']))
  t.same(b.methods, ['eth_blockNumber', 'eth_call'], 'ten requests, one read')
})

t.test('balance cache: the same question within its age is answered without a read', async (t) => {
  const cacheMs = 2000
  const reader = createBalanceReader({ timeout: 10_000, balanceCacheMs: cacheMs })
  t.teardown(() => reader.close?.())
  const chain = chainOver([b.url])
  const wallet = evmWallet()
  await dev.mintERC20(coin, wallet.address, 3n)
  t.equal(balanceOf(await reader.readBalances(chain, wallet.address, requirements)), '3')
  const readAt = performance.now() // the reading's age counts from when it was stored, at the latest now
  b.reset()
  t.equal(balanceOf(await reader.readBalances(chain, wallet.address.toLowerCase(), requirements)), '3')
  t.same(b.methods, [], 'answered from the cache (any casing of the wallet)')

  await dev.mintERC20(coin, wallet.address, 4n)
  const wait = readAt + cacheMs + 200 - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  t.equal(
    balanceOf(await reader.readBalances(chain, wallet.address, requirements)),
    '7',
    'read again once old',
  )
  t.same(b.methods, ['eth_blockNumber', 'eth_call'])
})

t.test('through the authority: 424, then 503 with Retry-After; tokens carry their block', async (t) => {
  const warnings: string[] = []
  const authority = await startTestAuthority({
    warn: (message) => warnings.push(message),
    chains: { localhost: { rpcUrls: [a.url, b.url] } },
    chainReads: { breakerFailures: 1, breakerCooldownSeconds: 30 },
    rpcTimeout: 10_000,
  })
  t.teardown(() => authority.close())
  const local = { chain: 'localhost', context: siweContext({ chainId: dev.chainId }) }
  const path = `chains/localhost/wallets/${holder}/tokenOwnership`
  const ownership = () => authority.call('POST', path, { body: { contractAddress: coin } })

  // A login with a requirement: the token says at which block its balances were read.
  const wallet = evmWallet()
  await dev.mintERC20(coin, wallet.address, 2n)
  const login = await prepareEvmLogin(authority, wallet, {
    ...local,
    requirements: { contractAddress: coin },
  })
  const head = Number(await dev.publicClient.getBlockNumber())
  const res = await authority.call('POST', 'auth', {
    body: login.body,
    auth: basicAuth.js(SIWE_PROJECT.publishableKey),
  })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const claims = decodeJwt(res.body.accessToken as string)
  t.equal(claims.blockNumber, head, 'blockNumber claim = the head the balances were read at')

  // /authz re-reads after the chain moved on: the merged token keeps the older block.
  await dev.mintERC20(coin, holder, 1n)
  const more = await authority.call('POST', 'authz', {
    body: { accessToken: res.body.accessToken, requirements: { contractAddress: coin }, revalidate: true },
  })
  t.equal(more.status, 200, JSON.stringify(more.body))
  t.equal(decodeJwt(more.body.accessToken as string).blockNumber, head, 'the oldest block of the merge')

  a.setFault('http-502')
  b.setFault('http-502')
  const failing = await ownership()
  t.equal(failing.status, 424, JSON.stringify(failing.body))
  t.equal(failing.body.code, 'chain_unavailable')
  const down = await ownership()
  t.equal(down.status, 503, JSON.stringify(down.body))
  t.equal(down.body.code, 'chain_unavailable')
  const retryAfter = Number(down.headers.get('retry-after'))
  t.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After: ${retryAfter}`)
  t.match(down.body.msg, /every RPC endpoint failed repeatedly/)
  // The log names each endpoint as the metrics do, never by its URL (it may carry an API key).
  t.same(
    warnings.filter((w) => w.startsWith('Chain RPC endpoint')),
    [
      'Chain RPC endpoint localhost/rpc keeps failing: skipped for 30 s, then probed again',
      'Chain RPC endpoint localhost/rpc#1 keeps failing: skipped for 30 s, then probed again',
    ],
  )
  t.notMatch(warnings.join('\n'), a.url)
})
