/**
 * A gate's conditions on an EVM chain (issue 15), against a real EVM (ganache via tools/devchain)
 * with real ERC-20/721/1155 contracts, behind a counting proxy: every condition kind met, not met
 * and undecidable, the bounds, ERC-721 id ranges, contract calls and each comparison, the coin
 * balance — and what it costs: after the head and the endpoint's chain-id proof, ONE HTTP POST
 * (one JSON-RPC batch: the multicall's eth_call and the eth_getBalance, at the same block).
 */
import t from 'tap'
import type {
  ChainGateReading,
  ConditionAnswer,
} from '../../../packages/authority/src/chains/gate-reading.js'
import {
  type ChainDefinition,
  ChainRpcNotConfiguredError,
  ChainUnavailableError,
  createBalanceReader,
  createChainRegistry,
  InvalidAddressError,
  TokenGatingUnsupportedError,
} from '../../../packages/authority/src/chains/index.js'
import type {
  ChainConditionNode,
  ComparisonOperator,
  ContractCallNode,
  Erc20Node,
  Erc721Node,
  Erc1155Node,
  NativeNode,
  PicketHoldingNode,
} from '../../../packages/core/src/core/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { startDevChain } from '../../../tools/devchain/index.js'
import { startRpcProxy } from '../support/rpc-proxy.js'

const dev = await startDevChain()
t.teardown(() => dev.close())
const proxy = await startRpcProxy(dev.rpcUrl)
t.teardown(() => proxy.close())

const [alice, bob, carol] = [1, 2, 3].map((i) => dev.accounts[i]!.address) as [
  `0x${string}`,
  `0x${string}`,
  `0x${string}`,
]
const CHAIN = `eip155:${dev.chainId}`
const chainOver = (urls: string[]): ChainDefinition =>
  createChainRegistry({ localhost: { rpcUrls: urls } }).get('localhost')!
const localhost = chainOver([proxy.url])
// ganache runs the EVM in this very process: give its slowest call room on a busy machine.
const newReader = (opts: Parameters<typeof createBalanceReader>[0] = {}) => {
  const reader = createBalanceReader({ timeout: 30_000, ...opts })
  t.teardown(() => reader.close?.())
  return reader
}
const reader = newReader()

// Canonical nodes, built by hand (the parser lives in core); keys only need to be unique here.
let keys = 0
const key = () => `condition-${++keys}`
const bounds = (min?: string, max?: string) => ({
  ...(min !== undefined && { min }),
  ...(max !== undefined && { max }),
})
const erc20 = (contract: string, min?: string, max?: string): Erc20Node => ({
  type: 'erc20',
  key: key(),
  chain: CHAIN,
  contract: contract.toLowerCase(),
  ...bounds(min, max),
})
const erc721 = (contract: string, min = 1, ranges?: [string, string][]): Erc721Node => ({
  type: 'erc721',
  key: key(),
  chain: CHAIN,
  contract: contract.toLowerCase(),
  min,
  ...(ranges && { ranges }),
})
const erc1155 = (contract: string, id: string, min?: string, max?: string): Erc1155Node => ({
  type: 'erc1155',
  key: key(),
  chain: CHAIN,
  contract: contract.toLowerCase(),
  id,
  ...bounds(min, max),
})
const native = (min?: string, max?: string): NativeNode => ({
  type: 'native',
  key: key(),
  chain: CHAIN,
  ...bounds(min, max),
})
const call = (
  contract: string,
  fn: string,
  args: (string | boolean)[],
  outputType: string,
  operator: ComparisonOperator,
  value: string | boolean,
  output = 0,
): ContractCallNode => ({
  type: 'call',
  key: key(),
  chain: CHAIN,
  contract: contract.toLowerCase(),
  function: fn,
  args,
  output,
  outputType,
  operator,
  value,
})
const picket = (requirements: Record<string, unknown>): PicketHoldingNode => ({
  type: 'picket',
  key: key(),
  chain: CHAIN,
  requirements: normalizeRequirements(requirements),
})

/** The answers to `conditions` for `wallet`, in their order. */
async function answers(
  wallet: string,
  conditions: ChainConditionNode[],
  chain = localhost,
  via = reader,
): Promise<ConditionAnswer[]> {
  const reading = await via.readGateConditions!(chain, wallet, conditions)
  return conditions.map((condition) => reading.answers.get(condition.key)!)
}
const met = { met: true }
const notMet = { met: false }
const error = (pattern: RegExp) => ({ error: pattern })

const coin6 = await dev.deployERC20({ decimals: 6 })
await dev.mintERC20(coin6, alice, 123_456_789n) // 123.456789
const pass = await dev.deployERC721()
for (const id of [1n, 2n, 3n]) await dev.mintERC721(pass, alice, id)
await dev.mintERC721(pass, bob, 10n)
const multi = await dev.deployERC1155()
await dev.mintERC1155(multi, alice, 1n, 5n)
await dev.mintERC1155(multi, bob, 2n ** 200n, 2n ** 70n)
const eoa = dev.accounts[6]!.address

t.test('ERC-20: balance after decimals within the bounds', async (t) => {
  const conditions = [
    erc20(coin6), // neither bound: more than zero
    erc20(coin6, '100'),
    erc20(coin6, '123.456789'), // inclusive
    erc20(coin6, '123.45679'),
    erc20(coin6, undefined, '200'),
    erc20(coin6, undefined, '123.456788'),
    erc20(coin6, '100', '123.456789'),
    erc20(coin6, '1', '2'),
  ]
  t.same(await answers(alice, conditions), [met, met, met, notMet, met, notMet, met, notMet])
  t.same(
    await answers(carol, [erc20(coin6), erc20(coin6, undefined, '10'), erc20(coin6, '0')]),
    [notMet, met, met],
    'a zero balance: not more than zero, but within max alone and within min 0',
  )
  t.same(await answers(alice, [{ ...erc20(coin6, '1'), contract: coin6 }]), [met], 'the contract in any case')
})

t.test('ERC-20: a contract that is none is an error naming it', async (t) => {
  const [nft, account] = await answers(alice, [erc20(pass), erc20(eoa)])
  t.match(nft, error(/not an ERC-20 \(no decimals\(\)\)/))
  t.match((nft as { error: string }).error, new RegExp(pass, 'i'), 'names the contract')
  t.match(account, error(/not an ERC-20 \(no decimals\(\)\)/), 'an address without code')
})

t.test('ERC-721: number held, or the ids of ranges held', async (t) => {
  t.same(await answers(alice, [erc721(pass), erc721(pass, 3), erc721(pass, 4)]), [met, met, notMet])
  t.same(await answers(carol, [erc721(pass)]), [notMet])
  t.same(
    await answers(alice, [
      erc721(pass, 2, [['1', '2']]),
      erc721(pass, 2, [['3', '5']]), // #4, #5 do not exist: ownerOf reverts, not held
      erc721(pass, 1, [['4', '9']]),
      erc721(pass, 3, [
        ['1', '1'],
        ['3', '3'],
        ['10', '12'],
      ]),
      erc721(pass, 1, [['10', '10']]),
    ]),
    [met, notMet, notMet, notMet, notMet],
  )
  t.same(await answers(bob, [erc721(pass, 1, [['10', '10']]), erc721(pass, 1, [['1', '3']])]), [met, notMet])
})

t.test('ERC-721: a contract that is none is an error naming it', async (t) => {
  const [coin, multiToken, account, ranged] = await answers(alice, [
    erc721(coin6),
    erc721(multi),
    erc721(eoa),
    erc721(coin6, 1, [['1', '2']]),
  ])
  t.match(coin, error(/not an ERC-721/), 'no supportsInterface: it reverts')
  t.match((coin as { error: string }).error, new RegExp(coin6, 'i'))
  t.match(multiToken, error(/not an ERC-721/), 'supportsInterface(0x80ac58cd) is false')
  t.match(account, error(/not an ERC-721/))
  t.match(ranged, error(/not an ERC-721/), 'with ranges too')
})

t.test('ERC-1155: balance of one id, raw units, within the bounds', async (t) => {
  t.same(
    await answers(alice, [
      erc1155(multi, '1'),
      erc1155(multi, '1', '5'),
      erc1155(multi, '1', '6'),
      erc1155(multi, '1', undefined, '4'),
      erc1155(multi, '1', '2', '5'),
      erc1155(multi, '2'),
      erc1155(multi, '2', undefined, '4'),
    ]),
    [met, met, notMet, notMet, met, notMet, met],
  )
  const big = (2n ** 200n).toString()
  t.same(
    await answers(bob, [
      erc1155(multi, big, (2n ** 70n).toString()),
      erc1155(multi, big, (2n ** 70n + 1n).toString()),
    ]),
    [met, notMet],
    'ids and amounts beyond 2^53',
  )
  const [nft, coin] = await answers(alice, [erc1155(pass, '1'), erc1155(coin6, '1')])
  t.match(nft, error(/not an ERC-1155/))
  t.match(coin, error(/not an ERC-1155/))
})

t.test('native: the coin balance in whole coins', async (t) => {
  const dave = dev.accounts[7]!.address
  await dev.setBalance(dave, 1_500_000_000_000_000_000n) // 1.5
  t.same(
    await answers(dave, [
      native(),
      native('1.5'),
      native('1.500000000000000001'),
      native(undefined, '2'),
      native(undefined, '1'),
      native('1', '2'),
    ]),
    [met, met, notMet, met, notMet, met],
  )
  const nobody = '0x000000000000000000000000000000000000bEEF'
  t.same(await answers(nobody, [native(), native(undefined, '1')]), [notMet, met], 'an empty account')
})

t.test('contract calls: $wallet, integer, address, bool and string outputs, each comparison', async (t) => {
  const balanceOf = 'function balanceOf(address) view returns (uint256)'
  const units = '123456789'
  const ops = (value: string) =>
    (['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const).map((op) =>
      call(coin6, balanceOf, ['$wallet'], 'uint256', op, value),
    )
  t.same(await answers(alice, ops(units)), [met, notMet, notMet, met, notMet, met], 'equal')
  t.same(await answers(alice, ops('123456788')), [notMet, met, met, met, notMet, notMet], 'more')
  t.same(await answers(alice, ops('123456790')), [notMet, met, notMet, notMet, met, met], 'less')

  const ownerOf = 'function ownerOf(uint256) view returns (address)'
  t.same(
    await answers(alice, [
      call(pass, ownerOf, ['1'], 'address', 'eq', alice.toLowerCase()),
      call(pass, ownerOf, ['1'], 'address', 'eq', '$wallet'),
      call(pass, ownerOf, ['10'], 'address', 'eq', '$wallet'),
      call(pass, ownerOf, ['10'], 'address', 'ne', '$wallet'),
      call(
        pass,
        'function balanceOf(address) view returns (uint256)',
        [bob.toLowerCase()],
        'uint256',
        'eq',
        '1',
      ),
    ]),
    [met, met, notMet, met, met],
    'an address output, $wallet as argument and as value, a literal address argument',
  )
  const approved = 'function isApprovedForAll(address,address) view returns (bool)'
  t.same(
    await answers(alice, [
      call(pass, approved, ['$wallet', bob.toLowerCase()], 'bool', 'eq', false),
      call(pass, approved, ['$wallet', bob.toLowerCase()], 'bool', 'ne', false),
      call(coin6, 'function name() view returns (string)', [], 'string', 'eq', 'Demo Token'),
      call(coin6, 'function name() view returns (string)', [], 'string', 'ne', 'Demo Token'),
      call(coin6, 'function decimals() view returns (uint8)', [], 'uint8', 'eq', '6'),
    ]),
    [met, notMet, met, notMet, met],
  )
  // name() returns a string: ABI-encoded as (offset, length, bytes). Read as two uint256
  // outputs, output #1 is its length: a function with several outputs, one compared.
  t.same(
    await answers(alice, [
      call(coin6, 'function name() view returns (uint256, uint256)', [], 'uint256', 'eq', '10', 1),
      call(coin6, 'function name() view returns (uint256, uint256)', [], 'uint256', 'eq', '32', 0),
    ]),
    [met, met],
    'the output named by `output`',
  )
})

t.test('contract calls that cannot be decided are errors, never "not met"', async (t) => {
  const [reverts, noCode, wrongType, badOperator, badArgs, notFunction] = await answers(alice, [
    call(pass, 'function ownerOf(uint256) view returns (address)', ['999'], 'address', 'eq', '$wallet'),
    call(eoa, 'function isMember(address) view returns (bool)', ['$wallet'], 'bool', 'eq', true),
    call(coin6, 'function balanceOf(address) view returns (uint256)', ['$wallet'], 'bool', 'eq', true),
    call(pass, 'function ownerOf(uint256) view returns (address)', ['1'], 'address', 'gt', '$wallet'),
    call(
      coin6,
      'function balanceOf(address) view returns (uint256)',
      ['not an address'],
      'uint256',
      'gt',
      '0',
    ),
    call(coin6, 'event Transfer(address,address,uint256)', [], 'uint256', 'gt', '0'),
  ])
  t.match(reverts, error(/ownerOf\(uint256\).*reverted/), 'a reverting call')
  t.match((reverts as { error: string }).error, new RegExp(pass, 'i'), 'names the contract')
  t.match(noCode, error(/reverted or returned nothing/), 'an address without code')
  t.match(wrongType, error(/is not a bool/), 'an output of another type')
  t.match(badOperator, error(/is not a address/), 'an ordering of addresses')
  t.match(badArgs, error(/arguments/), 'arguments that do not encode')
  t.match(notFunction, error(/not a function/))
})

t.test('picket: Picket requirements read as readBalances reads them, decided by claimsSatisfy', async (t) => {
  const conditions = [
    picket({ contractAddress: coin6, minTokenBalance: '100' }),
    picket({ contractAddress: coin6, minTokenBalance: '200' }),
    picket({ contractAddress: pass, tokenIds: ['1', '2'], minTokenBalance: 2 }),
    picket({ contractAddress: eoa }),
  ]
  const [enough, tooMuch, ids, notToken] = await answers(alice, conditions)
  t.same([enough, tooMuch, ids], [met, notMet, met])
  t.match(notToken, error(/any ERC20, ERC721, ERC1155 tokens/i), 'not a token: this condition only')
  t.same(await answers(carol, conditions.slice(0, 1)), [notMet])
})

t.test('the wallet is an EVM address; chains that cannot be read refuse', async (t) => {
  proxy.reset()
  await t.rejects(answers('not an address', [native()]), InvalidAddressError)
  t.same(proxy.posts, [], 'nothing asked of the chain')
  const registry = createChainRegistry()
  await t.rejects(
    reader.readGateConditions!(registry.get('ethereum')!, alice, [native()]),
    ChainRpcNotConfiguredError,
  )
  await t.rejects(
    reader.readGateConditions!(registry.get('flow')!, alice, [native()]),
    TokenGatingUnsupportedError,
  )
  t.same(
    await reader.readGateConditions!(localhost, alice, []),
    { answers: new Map() },
    'no conditions, no read',
  )
  const [solanaOnly] = await answers(alice, [
    { type: 'splToken', key: key(), chain: CHAIN, mint: 'So11111111111111111111111111111111111111112' },
  ])
  t.match(solanaOnly, error(/splToken condition is not read on localhost/))
})

/** Ten conditions of every kind but `picket` (a separate read by design). */
function tenConditions(): ChainConditionNode[] {
  return [
    erc20(coin6, '100'),
    erc20(coin6, undefined, '1'),
    erc721(pass),
    erc721(pass, 2, [['1', '5']]),
    erc1155(multi, '1', '5'),
    native('1'),
    native(undefined, '0.5'),
    call(coin6, 'function balanceOf(address) view returns (uint256)', ['$wallet'], 'uint256', 'gte', '1'),
    call(pass, 'function ownerOf(uint256) view returns (address)', ['1'], 'address', 'eq', '$wallet'),
    call(pass, 'function ownerOf(uint256) view returns (address)', ['999'], 'address', 'eq', '$wallet'),
  ]
}

t.test('ten conditions: one HTTP POST after the head and the chain-id proof', async (t) => {
  const fresh = newReader()
  const conditions = tenConditions()
  const head = await dev.publicClient.getBlockNumber()
  proxy.reset()
  const reading = await fresh.readGateConditions!(localhost, alice, conditions)
  t.same(
    conditions.slice(0, 9).map((c) => reading.answers.get(c.key)),
    [met, notMet, met, met, met, met, notMet, met, met],
  )
  t.match(reading.answers.get(conditions[9]!.key), error(/reverted/), 'ownerOf(999) reverts: an error')
  t.equal(reading.blockNumber, Number(head), 'read at the head')
  t.same(
    proxy.posts.map((post) => post.methods),
    [['eth_chainId'], ['eth_blockNumber'], ['eth_call', 'eth_getBalance']],
    "the endpoint's proof, the head, then every answer in one JSON-RPC batch",
  )
  const hexHead = `0x${head.toString(16)}`
  const [callParams, balanceParams] = proxy.posts[2]!.params as [unknown[], unknown[]]
  t.equal(callParams[1], hexHead, 'the eth_call at the head')
  t.same(balanceParams, [alice, hexHead], 'the eth_getBalance of the wallet at the same block')

  // Warm: the head, then one POST.
  proxy.reset()
  await fresh.readGateConditions!(localhost, alice, conditions)
  t.same(
    proxy.posts.map((post) => post.methods),
    [['eth_blockNumber'], ['eth_call', 'eth_getBalance']],
  )

  // Without a native condition the batch is the eth_call alone; without any call, the balance alone.
  proxy.reset()
  await fresh.readGateConditions!(
    localhost,
    alice,
    conditions.filter((c) => c.type !== 'native'),
  )
  t.same(
    proxy.posts.map((post) => post.methods),
    [['eth_blockNumber'], ['eth_call']],
  )
  proxy.reset()
  await fresh.readGateConditions!(localhost, alice, [native()])
  t.same(
    proxy.posts.map((post) => post.methods),
    [['eth_blockNumber'], ['eth_getBalance']],
  )
})

t.test('two concurrent identical gate reads share one read', async (t) => {
  const conditions = tenConditions()
  await reader.readGateConditions!(localhost, alice, conditions) // endpoint proven
  proxy.reset()
  const [first, second] = await Promise.all([
    reader.readGateConditions!(localhost, alice, conditions),
    // The same question: the wallet in another case, the conditions in another order.
    reader.readGateConditions!(localhost, alice.toLowerCase(), [...conditions].reverse()),
  ])
  t.equal(first, second, 'one reading')
  t.same(
    proxy.posts.map((post) => post.methods),
    [['eth_blockNumber'], ['eth_call', 'eth_getBalance']],
  )
  // Another wallet is another question.
  proxy.reset()
  const [forAlice, forBob] = await Promise.all([
    reader.readGateConditions!(localhost, alice, conditions),
    reader.readGateConditions!(localhost, bob, conditions),
  ])
  t.not(forAlice, forBob)
  t.equal(proxy.methods.filter((m) => m === 'eth_blockNumber').length, 1, 'the head is still asked once')
  t.equal(proxy.methods.filter((m) => m === 'eth_call').length, 2)
})

t.test('a chain failure is thrown, never an answer', async (t) => {
  const flaky = await startRpcProxy(dev.rpcUrl)
  t.teardown(() => flaky.close())
  const chain = chainOver([flaky.url])
  const conditions = tenConditions()
  for (const fault of ['http-502', 'rpc-error'] as const) {
    const failing = newReader({ breakerFailures: 2 })
    flaky.setFault(fault, ['eth_call'])
    const err = await failing.readGateConditions!(chain, alice, conditions).catch((e: unknown) => e)
    t.type(err, ChainUnavailableError, fault)
    t.equal((err as ChainUnavailableError).statusCode, 424)
    t.same(failing.breakers?.openEndpoints(), [], `${fault}: one failed batch counts at most once`)
    flaky.setFault(undefined)
  }
  flaky.setDown(true)
  const err = await newReader().readGateConditions!(chain, alice, conditions).catch((e: unknown) => e)
  t.type(err, ChainUnavailableError, 'unreachable')
  flaky.setDown(false)
})

t.test('a failing endpoint: the batch moves to the next one, still one POST', async (t) => {
  const a = await startRpcProxy(dev.rpcUrl)
  const b = await startRpcProxy(dev.rpcUrl)
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const chain = chainOver([a.url, b.url])
  const fallbackReader = newReader()
  a.setFault('http-502', ['eth_call'])
  const reading: ChainGateReading = await fallbackReader.readGateConditions!(chain, alice, tenConditions())
  t.equal(reading.answers.size, 10)
  t.same(
    a.posts.map((post) => post.methods),
    [['eth_chainId'], ['eth_blockNumber']],
    'the first endpoint answered the head, then failed the batch',
  )
  t.same(
    b.posts.map((post) => post.methods),
    [['eth_chainId'], ['eth_call', 'eth_getBalance']],
    'the second endpoint proved its chain and answered the whole batch',
  )
})

t.test('an aborted signal stops the wait', async (t) => {
  const controller = new AbortController()
  controller.abort()
  await t.rejects(
    reader.readGateConditions!(localhost, alice, [native()], { signal: controller.signal }),
    ChainUnavailableError,
  )
})

t.test('picket conditions beside the others: a separate read, run alongside the batch', async (t) => {
  const conditions = [...tenConditions(), picket({ contractAddress: coin6, minTokenBalance: '100' })]
  proxy.reset()
  const reading = await reader.readGateConditions!(localhost, alice, conditions)
  t.equal(reading.answers.size, 11)
  t.same(reading.answers.get(conditions[10]!.key), met)
  const batches = proxy.posts.filter((post) => post.methods.length > 1)
  t.same(
    batches.map((post) => post.methods),
    [['eth_call', 'eth_getBalance']],
    'the gate conditions still in one batch',
  )
  t.ok(
    proxy.posts.every((post) => post.methods.length === 1 || post === batches[0]),
    "the picket read's own calls (detection, balance) go unbatched",
  )
})
