/**
 * The Solana reads of the gate language (issue 15): every condition of a gate on a Solana chain
 * in one JSON-RPC 2.0 batch per endpoint URL.
 *
 * No Solana validator can run here (and a local test validator has no DAS indexer anyway): the
 * peer is the loopback server of `fixtures/solana-rpc-server.ts`, which answers with the shapes
 * documented by Solana's JSON-RPC reference (`getTokenAccountsByOwner` jsonParsed, `getBalance`),
 * the Metaplex DAS API (`searchAssets`) and the JSON-RPC 2.0 specification (batches), and counts
 * the HTTP POSTs it receives.
 */
import { base58 } from '@scure/base'
import t from 'tap'
import type { BalanceReading } from '../../../packages/authority/src/chains/balance-reading.js'
import type { ReadLimits } from '../../../packages/authority/src/chains/concurrency.js'
import { createEndpointBreakers } from '../../../packages/authority/src/chains/endpoint-breakers.js'
import type { ConditionAnswer } from '../../../packages/authority/src/chains/gate-reading.js'
import {
  ChainEndpointsDownError,
  ChainRpcNotConfiguredError,
  ChainUnavailableError,
  createChainRegistry,
  InvalidAddressError,
} from '../../../packages/authority/src/chains/index.js'
import {
  readSolanaGateConditions,
  type SolanaGateCondition,
} from '../../../packages/authority/src/chains/solana-gate-reads.js'
import type {
  Bounds,
  Erc20Node,
  MetaplexCollectionNode,
  NativeNode,
  PicketHoldingNode,
  Requirements,
  SplTokenNode,
} from '../../../packages/core/src/core/index.js'
import { SOLANA_MAINNET } from '../../../packages/core/src/core/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { type SolanaRpcServer, startSolanaRpcServer } from './fixtures/solana-rpc-server.js'

type Teardown = { teardown(fn: () => unknown): void }

/** A valid Solana address (32 bytes, base58) derived from a byte, so fixtures stay readable. */
const addr = (byte: number) => base58.encode(new Uint8Array(32).fill(byte))

const OWNER = addr(1)
const MINT_A = addr(2)
const MINT_B = addr(3)
const MINT_EMPTY = addr(4)
const COLLECTION = addr(5)
const BIG_COLLECTION = addr(6)
const EMPTY_COLLECTION = addr(7)
const HUGE_COLLECTION = addr(8)
const POOR = addr(9)

let keys = 0
const key = (what: string) => `${what}#${++keys}`
const spl = (mint: string, bounds: Bounds = {}): SplTokenNode => ({
  type: 'splToken',
  chain: SOLANA_MAINNET,
  key: key(`spl ${JSON.stringify(bounds)}`),
  mint,
  ...bounds,
})
const native = (bounds: Bounds = {}): NativeNode => ({
  type: 'native',
  chain: SOLANA_MAINNET,
  key: key(`native ${JSON.stringify(bounds)}`),
  ...bounds,
})
const collection = (id: string, min = 1): MetaplexCollectionNode => ({
  type: 'metaplexCollection',
  chain: SOLANA_MAINNET,
  key: key(`collection ${min}`),
  collection: id,
  min,
})
const picket = (requirements: Requirements): PicketHoldingNode => ({
  type: 'picket',
  chain: SOLANA_MAINNET,
  key: key('picket'),
  requirements,
})

async function setup(
  t: Teardown,
  overrides: { dasUrl?: boolean; rpcUrls?: number; timeout?: number; breakers?: boolean } = {},
) {
  const rpcs: SolanaRpcServer[] = []
  for (let i = 0; i < (overrides.rpcUrls ?? 1); i++) rpcs.push(await startSolanaRpcServer())
  const das = overrides.dasUrl ? await startSolanaRpcServer() : undefined
  t.teardown(async () => {
    for (const rpc of rpcs) await rpc.close()
    await das?.close()
  })
  const registry = createChainRegistry({
    solana: { rpcUrls: rpcs.map((rpc) => rpc.url), ...(das && { dasUrl: das.url }) },
  })
  const chain = registry.get('solana')!
  let pooled = 0
  const limits: ReadLimits = {
    run: <T>(call: () => Promise<T>) => {
      pooled++
      return call()
    },
    perRequest: 4,
  }
  const breakers = overrides.breakers
    ? createEndpointBreakers({ failures: 3, cooldownMs: 10_000 })
    : undefined
  const deps = { timeout: overrides.timeout ?? 2000, limits, ...(breakers && { breakers }) }
  const read = (
    conditions: readonly SolanaGateCondition[],
    options: Parameters<typeof readSolanaGateConditions>[4] = {},
    wallet = OWNER,
  ) => readSolanaGateConditions(deps, chain, wallet, conditions, options)
  return { rpc: rpcs[0]!, rpcs, das, chain, read, breakers, pooled: () => pooled }
}

/** The answers as a plain object keyed by condition key, for `t.same`. */
const plain = (answers: ReadonlyMap<string, ConditionAnswer>) => Object.fromEntries(answers)

t.test('splToken: sums the accounts of each mint; bounds min, max, both, neither', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = {
    // 1.5 + 0.000000001 = 1.500000001, exactly.
    [MINT_A]: [
      { amount: '1500000000', decimals: 9, uiAmountString: '1.5' },
      { amount: '1', decimals: 9, uiAmountString: '0.000000001' },
    ],
    // No uiAmountString: amount/decimals is the fallback (1.2345).
    [MINT_B]: [{ amount: '1234500', decimals: 6 }],
  }
  const cases: [SplTokenNode, boolean][] = [
    [spl(MINT_A), true], // neither: more than zero
    [spl(MINT_A, { min: '1.5' }), true],
    [spl(MINT_A, { min: '1.500000001' }), true], // inclusive
    [spl(MINT_A, { min: '1.500000002' }), false],
    [spl(MINT_A, { max: '1.5' }), false],
    [spl(MINT_A, { max: '1.500000001' }), true], // inclusive
    [spl(MINT_A, { min: '1', max: '2' }), true],
    [spl(MINT_A, { min: '2', max: '3' }), false],
    [spl(MINT_B, { min: '1.2345' }), true],
    [spl(MINT_B, { min: '1.23451' }), false],
    [spl(MINT_EMPTY), false], // neither: zero is not more than zero
    [spl(MINT_EMPTY, { max: '10' }), true], // max alone: zero passes
    [spl(MINT_EMPTY, { min: '0', max: '0' }), true],
  ]
  const { answers } = await read(cases.map(([node]) => node))
  t.same(plain(answers), Object.fromEntries(cases.map(([node, met]) => [node.key, { met }])))
  t.equal(rpc.posts, 1, 'one HTTP POST')
  t.same(
    rpc.requests.map((r) => [r.method, r.params]),
    [MINT_A, MINT_B, MINT_EMPTY].map((mint) => [
      'getTokenAccountsByOwner',
      [OWNER, { mint }, { encoding: 'jsonParsed' }],
    ]),
    'each distinct mint read once, with the documented params',
  )
})

t.test('native: lamports / 10^9; bounds min, max, both, neither', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.lamports[OWNER] = 2_500_000_001 // 2.500000001 SOL
  const cases: [NativeNode, boolean][] = [
    [native(), true],
    [native({ min: '2.5' }), true],
    [native({ min: '2.500000001' }), true],
    [native({ min: '2.500000002' }), false],
    [native({ max: '2.5' }), false],
    [native({ max: '3' }), true],
    [native({ min: '1', max: '3' }), true],
    [native({ min: '3', max: '4' }), false],
  ]
  const { answers, ...rest } = await read(cases.map(([node]) => node))
  t.same(plain(answers), Object.fromEntries(cases.map(([node, met]) => [node.key, { met }])))
  t.same(rest, {}, 'no blockNumber on Solana')
  t.same(
    rpc.requests.map((r) => [r.method, r.params]),
    [['getBalance', [OWNER]]],
    'one getBalance for every native condition',
  )

  const empty = [native(), native({ max: '1' }), native({ min: '0' })]
  const poor = await read(empty, {}, POOR)
  t.same(plain(poor.answers), {
    [empty[0]!.key]: { met: false },
    [empty[1]!.key]: { met: true },
    [empty[2]!.key]: { met: true },
  })
})

t.test('native: a balance above 2^53 lamports is only answered away from the bounds', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.lamports[OWNER] = 2 ** 60 // 1152921504.606846976 SOL, as a JSON number (not exact)
  const far = native({ min: '1000000' })
  const farAbove = native({ max: '1' })
  const close = native({ max: '1152921504.606846976' })
  const { answers } = await read([far, farAbove, close])
  t.same(answers.get(far.key), { met: true })
  t.same(answers.get(farAbove.key), { met: false })
  t.match(answers.get(close.key), { error: /precision/ }, 'too close to call: an error, not a guess')
})

t.test('metaplexCollection: counts with DAS searchAssets; met when the count reaches min', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.collections[OWNER] = { [COLLECTION]: 3, [BIG_COLLECTION]: 1500 }
  const cases: [MetaplexCollectionNode, boolean][] = [
    [collection(COLLECTION), true],
    [collection(COLLECTION, 3), true],
    [collection(COLLECTION, 4), false],
    [collection(EMPTY_COLLECTION), false],
    [collection(BIG_COLLECTION, 1500), true],
    [collection(BIG_COLLECTION, 1501), false],
  ]
  const { answers } = await read(cases.map(([node]) => node))
  t.same(plain(answers), Object.fromEntries(cases.map(([node, met]) => [node.key, { met }])))
  const pages = rpc.requests.map(
    (r) => r.params as { grouping: [string, string]; page: number; limit: number },
  )
  t.same(
    pages.map((p) => [p.grouping[1], p.page, p.limit]),
    [
      // One page size per collection: what its largest `min` needs, at most 1000.
      [COLLECTION, 1, 4],
      [EMPTY_COLLECTION, 1, 1],
      [BIG_COLLECTION, 1, 1000],
      // Page 1 was full and short of 1501: page 2, a follow-up batch.
      [BIG_COLLECTION, 2, 1000],
    ],
  )
  t.same(rpc.requests[0]?.params, {
    ownerAddress: OWNER,
    grouping: ['collection', COLLECTION],
    page: 1,
    limit: 4,
  })
  t.equal(rpc.posts, 2, 'the first batch, then one follow-up for the second page')
})

t.test('metaplexCollection: a count still short after 10 pages is an error, not "not met"', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.collections[OWNER] = { [HUGE_COLLECTION]: 12_000 }
  const reachable = collection(HUGE_COLLECTION, 9_000)
  const beyond = collection(HUGE_COLLECTION, 20_000)
  const { answers } = await read([reachable, beyond])
  t.same(answers.get(reachable.key), { met: true })
  t.match(answers.get(beyond.key), { error: /10 pages/ })
  t.equal(rpc.posts, 10)
})

t.test('picket: read through options.readPicket, decided by claimsSatisfy', async (t) => {
  const { rpc, read } = await setup(t)
  const asked: Requirements[] = []
  const readPicket = async (requirements: Requirements): Promise<BalanceReading> => {
    asked.push(requirements)
    return { tokenBalances: { tokenIds: { [MINT_A]: '2' } } }
  }
  const enough = picket(normalizeRequirements({ tokenIds: [MINT_A], minTokenBalance: '2' }))
  const short = picket(normalizeRequirements({ tokenIds: [MINT_A], minTokenBalance: '3' }))
  const { answers } = await read([enough, short], { readPicket })
  t.same(plain(answers), { [enough.key]: { met: true }, [short.key]: { met: false } })
  t.same(asked, [enough.requirements, short.requirements])
  t.equal(rpc.posts, 0, 'picket conditions cost no batch of their own')

  await t.rejects(read([enough]), /readPicket/, 'without readPicket: a clear error')
})

t.test('counting: 2 mints, native, 2 collections and a picket holding → exactly one HTTP POST', async (t) => {
  const { rpc, read, pooled } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
  rpc.state.lamports[OWNER] = 1_000_000_000
  rpc.state.collections[OWNER] = { [COLLECTION]: 2 }
  const conditions: SolanaGateCondition[] = [
    spl(MINT_A, { min: '5' }),
    spl(MINT_B),
    native({ min: '1' }),
    collection(COLLECTION, 2),
    collection(EMPTY_COLLECTION),
    picket(normalizeRequirements({ collection: COLLECTION, minTokenBalance: '1' })),
  ]
  const readPicket = async (): Promise<BalanceReading> => ({
    tokenBalances: { collection: { [COLLECTION]: '2' } },
  })
  const { answers } = await read(conditions, { readPicket })
  t.same(
    conditions.map((c) => answers.get(c.key)),
    [{ met: true }, { met: false }, { met: true }, { met: true }, { met: false }, { met: true }],
  )
  t.equal(rpc.posts, 1, 'exactly one HTTP POST')
  t.equal(pooled(), 1, 'the POST went through the read pool once')
  const body = rpc.bodies[0] as { jsonrpc: string; id: unknown; method: string }[]
  t.ok(Array.isArray(body), 'a JSON-RPC 2.0 batch array')
  t.same(
    body.map((call) => call.method),
    ['getTokenAccountsByOwner', 'getTokenAccountsByOwner', 'getBalance', 'searchAssets', 'searchAssets'],
  )
  t.ok(
    body.every((call) => call.jsonrpc === '2.0'),
    'every call is JSON-RPC 2.0',
  )
  t.equal(new Set(body.map((call) => call.id)).size, body.length, 'ids are distinct')
})

t.test('answers are matched by id, whatever their order in the batch', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
  rpc.state.mangleBatch = (answers) => [...answers].reverse()
  const a = spl(MINT_A)
  const b = spl(MINT_B)
  const sol = native()
  const { answers } = await read([a, b, sol])
  t.same(plain(answers), { [a.key]: { met: true }, [b.key]: { met: false }, [sol.key]: { met: false } })
})

t.test('dasUrl: one batch per URL, DAS calls only to dasUrl', async (t) => {
  const { rpc, das, read } = await setup(t, { dasUrl: true })
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
  das!.state.collections[OWNER] = { [COLLECTION]: 1 }
  const conditions = [spl(MINT_A), native(), collection(COLLECTION), collection(EMPTY_COLLECTION)]
  const { answers } = await read(conditions)
  t.same(
    conditions.map((c) => answers.get(c.key)),
    [{ met: true }, { met: false }, { met: true }, { met: false }],
  )
  t.equal(rpc.posts, 1)
  t.equal(das!.posts, 1)
  t.same(
    rpc.requests.map((r) => r.method),
    ['getTokenAccountsByOwner', 'getBalance'],
  )
  t.same(
    das!.requests.map((r) => r.method),
    ['searchAssets', 'searchAssets'],
  )
})

t.test('a JSON-RPC error inside the batch', async (t) => {
  t.test('invalid params for one call: that condition is an error, the rest answered', async (t) => {
    const { rpc, read } = await setup(t)
    rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
    rpc.state.errorFor = (method, params) =>
      method === 'getTokenAccountsByOwner' && (params as [string, { mint: string }])[1].mint === MINT_B
        ? { code: -32602, message: 'Invalid param: could not find mint' }
        : undefined
    const a = spl(MINT_A)
    const b = spl(MINT_B)
    const notB = spl(MINT_B, { max: '0' })
    const { answers } = await read([a, b, notB])
    t.same(answers.get(a.key), { met: true })
    t.match(answers.get(b.key), { error: /could not find mint/ })
    t.match(answers.get(notB.key), { error: /could not find mint/ }, 'never "met" nor "not met"')
    t.equal(rpc.posts, 1)
  })

  t.test('any other error about the node: the whole read is 424, no answers', async (t) => {
    const { rpc, read } = await setup(t)
    rpc.state.errors.getBalance = { code: -32005, message: 'Node is behind by 42 slots' }
    const err = await read([spl(MINT_A), native({ max: '1' })]).catch((e) => e)
    t.type(err, ChainUnavailableError)
    t.equal(err.statusCode, 424)
    t.equal(err.chain, 'solana')
    t.match(err.message, /Node is behind/)

    rpc.state.errors = { searchAssets: { code: -32601, message: 'Method not found' } }
    const noDas = await read([spl(MINT_A), collection(COLLECTION)]).catch((e) => e)
    t.type(noDas, ChainUnavailableError, 'an RPC without DAS cannot answer collection conditions')
    t.equal(noDas.statusCode, 424)
  })

  t.test('with fallback: the next endpoint answers the whole batch; nothing counted', async (t) => {
    const { rpcs, read, breakers } = await setup(t, { rpcUrls: 2, breakers: true })
    const [first, second] = rpcs as [SolanaRpcServer, SolanaRpcServer]
    first.state.errors.getBalance = { code: -32005, message: 'Node is behind by 42 slots' }
    second.state.lamports[OWNER] = 3_000_000_000
    second.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
    const a = spl(MINT_A)
    const sol = native({ min: '3' })
    for (let i = 0; i < 4; i++) {
      const { answers } = await read([a, sol])
      t.same(plain(answers), { [a.key]: { met: true }, [sol.key]: { met: true } })
    }
    t.equal(first.posts, 4, 'never skipped: a JSON-RPC error is not counted against the endpoint')
    t.equal(second.posts, 4)
    t.equal(breakers!.admit(first.url).admitted, true)
  })
})

t.test('malformed batch answers: 424, never a pass', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.tokenAccounts[OWNER] = { [MINT_A]: [{ amount: '5', decimals: 0, uiAmountString: '5' }] }
  const a = spl(MINT_A)
  const notB = spl(MINT_B, { max: '0' })
  const sol = native({ max: '1' })
  const mangles: [string, (answers: Record<string, unknown>[]) => unknown][] = [
    ['one answer missing', (answers) => answers.slice(1)],
    ['one answer twice', (answers) => [answers[0], ...answers]],
    ['one answer twice instead of another', (answers) => [answers[0], answers[0], answers[2]]],
    ['an id that is none of ours', (answers) => answers.map((x, i) => (i === 0 ? { ...x, id: 99 } : x))],
    ['an id that is a string', (answers) => answers.map((x) => ({ ...x, id: String(x.id) }))],
    [
      'an entry with neither result nor error',
      (answers) => answers.map((x) => ({ jsonrpc: '2.0', id: x.id })),
    ],
    [
      'a malformed error object',
      (answers) => answers.map((x, i) => (i === 1 ? { jsonrpc: '2.0', id: x.id, error: 'boom' } : x)),
    ],
    ['an entry that is not an object', (answers) => [...answers.slice(0, 2), 42]],
    ['an object instead of a list', (answers) => answers[0]],
    ['an empty list', () => []],
    ['a result that is not what the method returns', (answers) => answers.map((x) => ({ ...x, result: {} }))],
    [
      'the batch refused as a whole',
      () => ({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'batch requests are not allowed' },
      }),
    ],
    [
      'the batch refused as a whole, in a list',
      () => [
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch requests are not allowed' } },
      ],
    ],
  ]
  for (const [label, mangle] of mangles) {
    rpc.state.mangleBatch = mangle
    const err = await read([a, notB, sol]).catch((e) => e)
    t.type(err, ChainUnavailableError, label)
    t.equal(err.statusCode, 424, label)
  }
  delete rpc.state.mangleBatch

  const replies: [string, { status: number; body: string }][] = [
    [
      'HTTP 503',
      { status: 503, body: '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"overloaded"}}' },
    ],
    ['not JSON', { status: 200, body: '<html>gateway</html>' }],
    ['HTTP 413', { status: 413, body: 'too many calls in a batch' }],
  ]
  for (const [label, raw] of replies) {
    rpc.state.raw.getBalance = raw
    const err = await read([a, notB, sol]).catch((e) => e)
    t.type(err, ChainUnavailableError, label)
    t.equal(err.statusCode, 424, label)
  }
})

t.test('a malformed batch answer counts against the endpoint; the next one answers', async (t) => {
  const { rpcs, read, breakers } = await setup(t, { rpcUrls: 2, breakers: true })
  const [first, second] = rpcs as [SolanaRpcServer, SolanaRpcServer]
  first.state.mangleBatch = (answers) => answers.slice(1)
  const sol = native({ max: '1' })
  for (let i = 0; i < 4; i++) {
    const { answers } = await read([spl(MINT_A), sol])
    t.same(answers.get(sol.key), { met: true })
  }
  t.equal(first.posts, 3, 'opened after 3 incomplete answers, then skipped')
  t.equal(second.posts, 4)
  t.equal(breakers!.admit(first.url).admitted, false)

  second.state.mangleBatch = (answers) => answers.slice(1)
  for (let i = 0; i < 3; i++) {
    const err = await read([sol]).catch((e) => e)
    t.type(err, ChainUnavailableError, 'the last endpoint fails too: 424')
    t.equal(err.statusCode, 424)
  }
  const down = await read([sol]).catch((e) => e)
  t.type(down, ChainEndpointsDownError, 'every endpoint open: 503')
  t.equal(down.statusCode, 503)
})

t.test('the wallet, the chain and the configuration are checked before any request', async (t) => {
  const { rpc, read, chain } = await setup(t)
  const err = await read([native()], {}, '0x0000000000000000000000000000000000000001').catch((e) => e)
  t.type(err, InvalidAddressError)
  t.equal(err.role, 'wallet')

  const ethereum = createChainRegistry({ ethereum: { rpcUrl: rpc.url } }).get('ethereum')!
  await t.rejects(
    readSolanaGateConditions({ timeout: 1000 }, ethereum, OWNER, [native()]),
    /not a Solana chain/,
  )
  const elsewhere = { ...native(), chain: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' }
  await t.rejects(read([elsewhere]), /not on solana/)

  const unconfigured = createChainRegistry().get('solana')!
  const notConfigured = await readSolanaGateConditions({ timeout: 1000 }, unconfigured, OWNER, [
    native(),
  ]).catch((e) => e)
  t.type(notConfigured, ChainRpcNotConfiguredError)

  // A node built around the parser: its own error, no request for it.
  const bad = spl('not-a-mint')
  const erc20: Erc20Node = {
    type: 'erc20',
    chain: 'eip155:1',
    key: key('erc20'),
    contract: '0x0000000000000000000000000000000000000001',
  }
  const { answers } = await readSolanaGateConditions({ timeout: 1000 }, chain, OWNER, [bad, erc20])
  t.match(answers.get(bad.key), { error: /not a mint address/ })
  t.match(answers.get(erc20.key), { error: /not read on a Solana chain/ })
  t.same(await read([]), { answers: new Map() })
  t.equal(rpc.posts, 0)
})

t.test('an aborted signal stops waiting with ChainUnavailableError', async (t) => {
  const { rpc, read } = await setup(t)
  rpc.state.hang.add('getBalance')
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  const started = performance.now()
  const err = await read([native()], { signal: controller.signal }).catch((e) => e)
  t.type(err, ChainUnavailableError)
  t.ok(performance.now() - started < 1500, 'did not wait for the 2000 ms timeout')

  const already = AbortSignal.abort()
  const early = await read([native()], { signal: already }).catch((e) => e)
  t.type(early, ChainUnavailableError, 'an aborted signal reads nothing')
  t.equal(rpc.posts, 1)
})

t.test('a silent endpoint: ChainUnavailableError after the timeout', async (t) => {
  const { rpcs, read, breakers } = await setup(t, { timeout: 500, rpcUrls: 2, breakers: true })
  const [rpc, next] = rpcs as [SolanaRpcServer, SolanaRpcServer]
  rpc.state.hang.add('searchAssets')
  const started = performance.now()
  const err = await read([spl(MINT_A), collection(COLLECTION)]).catch((e) => e)
  const elapsed = performance.now() - started
  t.type(err, ChainUnavailableError)
  t.match(err.message, /timed out/)
  t.ok(elapsed >= 400 && elapsed < 1500, `gave up after the 500 ms timeout (${Math.round(elapsed)} ms)`)
  // A timeout is the request's (its question may cost that much anywhere): final, not counted.
  t.equal(next.posts, 0, 'the next endpoint is not asked to time out too')
  t.equal(breakers!.admit(rpc.url).admitted, true)
})
