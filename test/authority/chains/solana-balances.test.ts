import { createServer } from 'node:net'
import { base58 } from '@scure/base'
import t from 'tap'
import {
  ChainRpcNotConfiguredError,
  ChainUnavailableError,
  createChainRegistry,
  InvalidAddressError,
  TokenGatingUnsupportedError,
} from '../../../packages/authority/src/chains/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { startSolanaRpcServer } from './fixtures/solana-rpc-server.js'
import { createTokenBalanceReader } from './support/token-balance-reader.js'

/** The part of tap's test object the helpers need. */
type Teardown = { teardown(fn: () => unknown): void }

/** A valid Solana address (32 bytes, base58) derived from a byte, so fixtures stay readable. */
const addr = (byte: number) => base58.encode(new Uint8Array(32).fill(byte))

const OWNER = addr(1)
const MINT_A = addr(2)
const MINT_B = addr(3)
const MINT_EMPTY = addr(4)
const COLLECTION = addr(5)
const BIG_COLLECTION = addr(6)
const CREATOR = addr(7)
const MINT_FALLBACK = addr(8)

async function setup(t: Teardown, overrides: { dasUrl?: boolean; timeout?: number } = {}) {
  const rpc = await startSolanaRpcServer()
  const das = overrides.dasUrl ? await startSolanaRpcServer() : undefined
  t.teardown(async () => {
    await rpc.close()
    await das?.close()
  })
  const registry = createChainRegistry({ solana: { rpcUrl: rpc.url, ...(das && { dasUrl: das.url }) } })
  const chain = registry.get('solana')!
  const reader = createTokenBalanceReader({ timeout: overrides.timeout ?? 2000 })
  return { rpc, das, chain, reader }
}

t.test('tokenIds: sums every token account of each mint exactly, keyed by the mint as given', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = {
    // Two accounts of one mint: 1.5 + 0.000000001 must not lose the 9th decimal.
    [MINT_A]: [
      { amount: '1500000000', decimals: 9, uiAmountString: '1.5' },
      { amount: '1', decimals: 9, uiAmountString: '0.000000001' },
    ],
    // Above 2^64: floats would round this.
    [MINT_B]: [
      { amount: '18446744073709551615', decimals: 0, uiAmountString: '18446744073709551615' },
      { amount: '1', decimals: 0, uiAmountString: '1' },
    ],
    // An RPC that leaves out uiAmountString: amount/decimals is the fallback.
    [MINT_FALLBACK]: [{ amount: '1234500', decimals: 6 }],
  }
  const requirements = normalizeRequirements({ tokenIds: [MINT_A, MINT_B, MINT_EMPTY, MINT_FALLBACK] })
  const balances = await reader.readBalances(chain, OWNER, requirements)
  t.same(balances, {
    tokenIds: {
      [MINT_A]: '1.500000001',
      [MINT_B]: '18446744073709551616',
      [MINT_EMPTY]: '0',
      [MINT_FALLBACK]: '1.2345',
    },
  })

  t.equal(rpc.requests.length, 4, 'one request per mint')
  for (const request of rpc.requests) {
    t.equal(request.jsonrpc, '2.0')
    t.type(request.id, 'number')
    t.equal(request.method, 'getTokenAccountsByOwner')
  }
  t.same(
    rpc.requests.map((r) => r.params),
    [MINT_A, MINT_B, MINT_EMPTY, MINT_FALLBACK].map((mint) => [OWNER, { mint }, { encoding: 'jsonParsed' }]),
    'exact params: owner, mint filter, jsonParsed encoding',
  )
})

t.test('tokenIds: a mint listed twice is read once', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '2', decimals: 0, uiAmountString: '2' }] }
  const balances = await reader.readBalances(
    chain,
    OWNER,
    normalizeRequirements({ tokenIds: [MINT_A, MINT_A] }),
  )
  t.same(balances, { tokenIds: { [MINT_A]: '2' } })
  t.equal(rpc.requests.length, 1)
})

t.test('collection and creatorAddress: DAS searchAssets with the documented filters', async (t) => {
  const { rpc, das, chain, reader } = await setup(t, { dasUrl: true })
  das!.state.collections[OWNER] = { [COLLECTION]: 3, [BIG_COLLECTION]: 1500 }
  das!.state.creators[OWNER] = { [CREATOR]: 2 }
  const requirements = normalizeRequirements({
    collection: [COLLECTION, BIG_COLLECTION],
    creatorAddress: CREATOR,
  })
  const balances = await reader.readBalances(chain, OWNER, requirements)
  t.same(balances, {
    collection: { [COLLECTION]: '3', [BIG_COLLECTION]: '1500' },
    creatorAddress: { [CREATOR]: '2' },
  })
  t.equal(rpc.requests.length, 0, 'DAS queries go to dasUrl, not rpcUrl')
  const bodies = das!.requests.map((r) => [r.method, r.params])
  t.same(
    bodies.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [
      ['searchAssets', { ownerAddress: OWNER, grouping: ['collection', COLLECTION], page: 1, limit: 1000 }],
      [
        'searchAssets',
        { ownerAddress: OWNER, grouping: ['collection', BIG_COLLECTION], page: 1, limit: 1000 },
      ],
      // a full page means there may be more: page 2
      [
        'searchAssets',
        { ownerAddress: OWNER, grouping: ['collection', BIG_COLLECTION], page: 2, limit: 1000 },
      ],
      [
        'searchAssets',
        { ownerAddress: OWNER, creatorAddress: CREATOR, creatorVerified: true, page: 1, limit: 1000 },
      ],
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  )
})

t.test('collection: falls back to rpcUrl when no dasUrl is configured; zero is "0"', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  const balances = await reader.readBalances(chain, OWNER, normalizeRequirements({ collection: COLLECTION }))
  t.same(balances, { collection: { [COLLECTION]: '0' } })
  t.equal(rpc.requests.length, 1)
  t.equal(rpc.requests[0]?.method, 'searchAssets')
})

t.test('categories that do not apply to Solana are ignored without a request', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  const requirements = normalizeRequirements({
    contractAddress: '0x0000000000000000000000000000000000000001',
    allowedWallets: [OWNER],
  })
  t.same(await reader.readBalances(chain, OWNER, requirements), {})
  t.equal(rpc.requests.length, 0)
})

t.test('invalid addresses are InvalidAddressError before any request', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  const cases: [string, Record<string, unknown>, string][] = [
    ['0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl', { tokenIds: [MINT_A] }, 'wallet'], // 0, O, I, l are not base58
    [base58.encode(new Uint8Array(31).fill(9)), { tokenIds: [MINT_A] }, 'wallet'], // 31 bytes
    ['0x0000000000000000000000000000000000000001', { tokenIds: [MINT_A] }, 'wallet'], // an EVM address
    [OWNER, { tokenIds: ['not-a-mint'] }, 'mint'],
    [OWNER, { collection: 'x' }, 'collection'],
    [OWNER, { creatorAddress: base58.encode(new Uint8Array(33).fill(1)) }, 'creator'],
  ]
  for (const [wallet, requirements, role] of cases) {
    const err = await reader.readBalances(chain, wallet, normalizeRequirements(requirements)).catch((e) => e)
    t.type(err, InvalidAddressError, `${role}: ${JSON.stringify(requirements)}`)
    t.equal(err.role, role)
    t.equal(err.statusCode, 400)
  }
  t.equal(rpc.requests.length, 0)
})

t.test(
  'JSON-RPC errors: invalid params → InvalidAddressError, anything else → ChainUnavailableError',
  async (t) => {
    const { rpc, chain, reader } = await setup(t)
    rpc.state.errors.getTokenAccountsByOwner = { code: -32602, message: 'Invalid param: could not find mint' }
    const invalid = await reader
      .readBalances(chain, OWNER, normalizeRequirements({ tokenIds: [MINT_A] }))
      .catch((e) => e)
    t.type(invalid, InvalidAddressError)
    t.equal(invalid.address, MINT_A)
    t.equal(invalid.role, 'mint')

    rpc.state.errors.getTokenAccountsByOwner = { code: -32005, message: 'Node is behind by 42 slots' }
    const behind = await reader
      .readBalances(chain, OWNER, normalizeRequirements({ tokenIds: [MINT_A] }))
      .catch((e) => e)
    t.type(behind, ChainUnavailableError)
    t.equal(behind.statusCode, 424)
    t.equal(behind.chain, 'solana')
    t.match(behind.message, /Node is behind/)

    rpc.state.errors.searchAssets = { code: -32601, message: 'Method not found' }
    const noDas = await reader
      .readBalances(chain, OWNER, normalizeRequirements({ collection: COLLECTION }))
      .catch((e) => e)
    t.type(noDas, ChainUnavailableError, 'an RPC without DAS cannot answer collection requirements')
  },
)

t.test('transport failures and malformed answers → ChainUnavailableError, never a balance', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  const requirements = normalizeRequirements({ tokenIds: [MINT_A] })
  const replies: [string, { status: number; body: string }][] = [
    [
      'HTTP 503',
      { status: 503, body: '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"overloaded"}}' },
    ],
    ['not JSON', { status: 200, body: '<html>gateway</html>' }],
    ['no result', { status: 200, body: '{"jsonrpc":"2.0"}' }],
    ['result.value missing', { status: 200, body: '{"jsonrpc":"2.0","id":"?","result":{}}' }],
  ]
  for (const [label, raw] of replies) {
    rpc.state.raw.getTokenAccountsByOwner = raw
    const err = await reader.readBalances(chain, OWNER, requirements).catch((e) => e)
    t.type(err, ChainUnavailableError, label)
  }

  // A well-formed answer whose amounts are unusable (e.g. only the float) is also refused.
  delete rpc.state.raw.getTokenAccountsByOwner
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ decimals: 9 }] }
  const err = await reader.readBalances(chain, OWNER, requirements).catch((e) => e)
  t.type(err, ChainUnavailableError, 'unusable tokenAmount')
})

t.test('RPC down and RPC silent → ChainUnavailableError within the timeout', async (t) => {
  // A port that was just free: connecting is refused.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  const down = createChainRegistry({ solana: { rpcUrl: `http://127.0.0.1:${port}` } }).get('solana')!
  const reader = createTokenBalanceReader({ timeout: 1000 })
  let started = performance.now()
  const refused = await reader
    .readBalances(down, OWNER, normalizeRequirements({ tokenIds: [MINT_A] }))
    .catch((e) => e)
  t.type(refused, ChainUnavailableError)
  t.ok(performance.now() - started < 1000, 'a refused connection fails without waiting for the timeout')

  const { rpc, chain } = await setup(t)
  rpc.state.hang.add('getTokenAccountsByOwner')
  started = performance.now()
  const silent = await reader
    .readBalances(chain, OWNER, normalizeRequirements({ tokenIds: [MINT_A] }))
    .catch((e) => e)
  const elapsed = performance.now() - started
  t.type(silent, ChainUnavailableError)
  t.match(silent.message, /timed out/)
  t.ok(elapsed >= 900 && elapsed < 2000, `gave up after the 1000 ms timeout (${Math.round(elapsed)} ms)`)
})

t.test('an aborted signal stops waiting with ChainUnavailableError', async (t) => {
  const { rpc, chain, reader } = await setup(t)
  rpc.state.hang.add('searchAssets')
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  const started = performance.now()
  const err = await reader
    .readBalances(chain, OWNER, normalizeRequirements({ collection: COLLECTION }), {
      signal: controller.signal,
    })
    .catch((e) => e)
  t.type(err, ChainUnavailableError)
  t.ok(performance.now() - started < 1500, 'did not wait for the 2000 ms timeout')
})

t.test('no rpcUrl: ChainRpcNotConfiguredError (503); Flow: TokenGatingUnsupportedError', async (t) => {
  const registry = createChainRegistry()
  const reader = createTokenBalanceReader()
  const solana = registry.get('solana')!
  t.equal(solana.authorizationSupported, false)
  const err = await reader
    .readBalances(solana, OWNER, normalizeRequirements({ tokenIds: [MINT_A] }))
    .catch((e) => e)
  // Was TokenGatingUnsupportedError (400) (issue 14): a missing rpcUrl is the server's setting, so 503.
  t.type(err, ChainRpcNotConfiguredError)
  t.equal(err.statusCode, 503)
  t.match(err.message.toLowerCase(), 'token gating')
  t.match(err.message, 'chains.solana.rpcUrl')
  t.same(await reader.readBalances(solana, OWNER, normalizeRequirements({ allowedWallets: [OWNER] })), {})

  const flow = registry.get('flow')!
  const flowErr = await reader
    .readBalances(
      flow,
      '0x1d007d755706c469',
      normalizeRequirements({ contractAddress: 'A.0ae53cb6e3f42a79.FlowToken' }),
    )
    .catch((e) => e)
  t.type(flowErr, TokenGatingUnsupportedError)
  t.same(await reader.readBalances(flow, '0x1d007d755706c469', normalizeRequirements({})), {})
})
