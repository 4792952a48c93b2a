/**
 * EVM balances against a real in-process EVM (ganache via tools/devchain) with real
 * OpenZeppelin ERC-20/721/1155 contracts: detection, exact decimal strings, failures.
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import t from 'tap'
import {
  type ChainDefinition,
  ChainUnavailableError,
  createBalanceReader,
  createChainRegistry,
  InvalidAddressError,
  InvalidRequirementError,
  UnsupportedTokenError,
} from '../../../packages/authority/src/chains/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { startDevChain } from '../../../tools/devchain/index.js'

const dev = await startDevChain()
t.teardown(() => dev.close())

const [alice, bob, carol] = [1, 2, 3].map((i) => dev.accounts[i]!.address) as [
  `0x${string}`,
  `0x${string}`,
  `0x${string}`,
]
const localhost = createChainRegistry({ localhost: { rpcUrl: dev.rpcUrl } }).get('localhost')!

/** Counts JSON-RPC requests by method, to prove what is and is not cached. */
function countingFetch() {
  const methods: string[] = []
  const fetchFn: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body)) as { method: string }
    methods.push(body.method)
    return fetch(input, init)
  }
  return { methods, fetch: fetchFn }
}

async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

const read = (
  reader: ReturnType<typeof createBalanceReader>,
  wallet: string,
  requirements: Record<string, unknown>,
  chain: ChainDefinition = localhost,
) => reader.readBalances(chain, wallet, normalizeRequirements(requirements)).then((r) => r.tokenBalances)

t.test('ERC-20: balance after decimals as an exact decimal string', async (t) => {
  const reader = createBalanceReader()
  const token18 = await dev.deployERC20({ decimals: 18 })
  const token6 = await dev.deployERC20({ decimals: 6 })
  await dev.mintERC20(token18, alice, 1_500_000_000_000_000_000n) // 1.5 tokens
  // 2^60 whole tokens plus one wei: 37 significant digits, far beyond a double.
  const huge = 2n ** 60n * 10n ** 18n + 1n
  await dev.mintERC20(token18, bob, huge)
  await dev.mintERC20(token6, alice, 123_456_789n) // 123.456789
  await dev.mintERC20(token6, bob, 100_000_000n) // 100

  t.same(await read(reader, alice, { contractAddress: token18 }), { contractAddress: { [token18]: '1.5' } })
  t.same(await read(reader, bob, { contractAddress: token18 }), {
    contractAddress: { [token18]: '1152921504606846976.000000000000000001' },
  })
  t.same(await read(reader, carol, { contractAddress: token18 }), { contractAddress: { [token18]: '0' } })
  t.same(await read(reader, alice, { contractAddress: token6 }), {
    contractAddress: { [token6]: '123.456789' },
  })
  t.same(await read(reader, bob, { contractAddress: token6 }), { contractAddress: { [token6]: '100' } })

  // Keyed by the requirement string exactly as received (§2.11), whatever its casing;
  // the wallet may be given in any casing too.
  const lower = token6.toLowerCase()
  t.same(await read(reader, alice.toLowerCase(), { contractAddress: lower }), {
    contractAddress: { [lower]: '123.456789' },
  })
})

t.test('ERC-721: number of NFTs held, read fresh every time', async (t) => {
  const { methods, fetch } = countingFetch()
  const reader = createBalanceReader({ fetch })
  const pass = await dev.deployERC721()
  for (const id of [1n, 2n, 3n]) await dev.mintERC721(pass, alice, id)

  t.same(await read(reader, alice, { contractAddress: pass }), { contractAddress: { [pass]: '3' } })
  t.same(await read(reader, bob, { contractAddress: pass }), { contractAddress: { [pass]: '0' } })
  await dev.transferERC721(pass, dev.accounts[1]!.privateKey, bob, 1n)
  t.same(await read(reader, alice, { contractAddress: pass }), { contractAddress: { [pass]: '2' } })
  t.same(await read(reader, bob, { contractAddress: pass }), { contractAddress: { [pass]: '1' } })

  // Detection (getCode + three probes) happened once; each read asks the head, then one balanceOf.
  t.same(
    methods.filter((m) => m === 'eth_getCode'),
    ['eth_getCode'],
    'token standard detected once',
  )
  t.equal(
    methods.filter((m) => m === 'eth_chainId').length,
    1,
    "the endpoint's chain id is checked once, before its first read",
  )
  t.equal(methods.length, 1 + 4 + 4 * 2, 'four probes, then eth_blockNumber + one eth_call per balance read')
  t.equal(methods.filter((m) => m === 'eth_blockNumber').length, 4, 'every read is pinned to the head')
})

t.test('ERC-1155: sum of the listed ids under contractAddress only', async (t) => {
  const reader = createBalanceReader()
  const multi = await dev.deployERC1155()
  await dev.mintERC1155(multi, alice, 1n, 5n)
  await dev.mintERC1155(multi, alice, 2n, 7n)
  await dev.mintERC1155(multi, bob, 2n ** 200n, 2n ** 70n)

  t.same(await read(reader, alice, { contractAddress: multi, tokenIds: ['1', '2'] }), {
    contractAddress: { [multi]: '12' },
  })
  t.same(await read(reader, alice, { contractAddress: multi, tokenIds: ['2'] }), {
    contractAddress: { [multi]: '7' },
  })
  t.same(
    await read(reader, alice, { contractAddress: multi, tokenIds: ['0x1', '1'] }),
    {
      contractAddress: { [multi]: '5' },
    },
    'an id listed twice (any notation) counts once',
  )
  t.same(await read(reader, alice, { contractAddress: multi, tokenIds: [3] }), {
    contractAddress: { [multi]: '0' },
  })
  t.same(await read(reader, bob, { contractAddress: multi, tokenIds: [(2n ** 200n).toString()] }), {
    contractAddress: { [multi]: (2n ** 70n).toString() },
  })
  t.same(
    await read(reader, alice, { contractAddress: multi, tokenIds: [] }),
    {
      contractAddress: { [multi]: '0' },
    },
    'an empty id list is a requirement no one meets',
  )

  const noIds = await read(reader, alice, { contractAddress: multi }).catch((e) => e)
  t.type(noIds, InvalidRequirementError, 'ERC-1155 balances cannot be enumerated without ids')
  t.equal(noIds.statusCode, 400)
  const badId = await read(reader, alice, { contractAddress: multi, tokenIds: ['one'] }).catch((e) => e)
  t.type(badId, InvalidRequirementError)
  const tooBig = await read(reader, alice, {
    contractAddress: multi,
    tokenIds: [(2n ** 256n).toString()],
  }).catch((e) => e)
  t.type(tooBig, InvalidRequirementError)
})

t.test('not a token contract → UnsupportedTokenError with the message picket-js knows', async (t) => {
  const reader = createBalanceReader()
  const wallet = await dev.deployERC1271Wallet(alice) // has code and ERC-165, but is no token
  const cases: [string, string][] = [
    ['an ERC-1271 wallet contract', wallet],
    ['an account with no code', dev.accounts[5]!.address],
    ['a never-used address', '0x000000000000000000000000000000000000dEaD'],
  ]
  for (const [label, contractAddress] of cases) {
    const err = await read(reader, alice, { contractAddress }).catch((e) => e)
    t.type(err, UnsupportedTokenError, label)
    t.match(err.message.toLowerCase(), 'any erc20, erc721, erc1155 tokens')
    t.equal(err.statusCode, 400)
    t.equal(err.contractAddress, contractAddress)
  }
})

t.test('malformed addresses → InvalidAddressError without touching the chain', async (t) => {
  const { methods, fetch } = countingFetch()
  const reader = createBalanceReader({ fetch })
  const token = '0x000000000000000000000000000000000000dEaD'
  const cases: [string, string, string][] = [
    ['0x123', token, 'wallet'],
    ['not an address', token, 'wallet'],
    [alice, 'nope', 'contract'],
    [alice, `${token}00`, 'contract'],
  ]
  for (const [wallet, contractAddress, role] of cases) {
    const err = await read(reader, wallet, { contractAddress }).catch((e) => e)
    t.type(err, InvalidAddressError, `${role}: ${wallet} / ${contractAddress}`)
    t.equal(err.role, role)
  }
  t.same(methods, [])
})

t.test('requirements without contractAddress need no RPC on EVM chains', async (t) => {
  const { methods, fetch } = countingFetch()
  const reader = createBalanceReader({ fetch })
  t.same(await read(reader, alice, { allowedWallets: [alice] }), {})
  t.same(
    await read(reader, alice, { collection: 'x', tokenIds: ['1'] }),
    {},
    'Solana-only categories are ignored',
  )
  t.same(methods, [])
})

t.test('RPC down → ChainUnavailableError quickly', async (t) => {
  const chain = createChainRegistry({ localhost: { rpcUrl: `http://127.0.0.1:${await closedPort()}` } }).get(
    'localhost',
  )!
  const reader = createBalanceReader({ timeout: 5000 })
  const started = performance.now()
  const err = await read(
    reader,
    alice,
    { contractAddress: '0x000000000000000000000000000000000000dEaD' },
    chain,
  ).catch((e) => e)
  const elapsed = performance.now() - started
  t.type(err, ChainUnavailableError)
  t.equal(err.statusCode, 424)
  t.equal(err.chain, 'localhost')
  t.ok(
    elapsed < 1000,
    `connection refused is reported without waiting for the timeout (${Math.round(elapsed)} ms)`,
  )
})

t.test('RPC that never answers → ChainUnavailableError within the timeout', async (t) => {
  const silent = createHttpServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    silent.closeAllConnections()
    silent.close()
  })
  const { port } = silent.address() as { port: number }
  const chain = createChainRegistry({ localhost: { rpcUrl: `http://127.0.0.1:${port}` } }).get('localhost')!
  const timeout = 1000
  const reader = createBalanceReader({ timeout })
  const started = performance.now()
  const err = await read(
    reader,
    alice,
    { contractAddress: '0x000000000000000000000000000000000000dEaD' },
    chain,
  ).catch((e) => e)
  const elapsed = performance.now() - started
  t.type(err, ChainUnavailableError)
  t.match(err.message, /timed out/)
  t.ok(elapsed < timeout + 1000, `gave up within timeout + margin (${Math.round(elapsed)} ms)`)

  // The caller's own deadline is honoured too.
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  const abortStarted = performance.now()
  const aborted = await reader
    .readBalances(
      chain,
      alice,
      normalizeRequirements({ contractAddress: '0x000000000000000000000000000000000000dEaD' }),
      {
        signal: controller.signal,
      },
    )
    .catch((e) => e)
  t.type(aborted, ChainUnavailableError)
  t.ok(performance.now() - abortStarted < timeout, 'an aborted signal stops the wait early')
})

t.test('resolveDisplayAddress: the address when there is no ENS; never throws', async (t) => {
  const reader = createBalanceReader({ timeout: 1000 })
  t.equal(await reader.resolveDisplayAddress(localhost, alice), alice, 'local chain: no ENS')

  // Chain id 1 makes the reader try ENS (viem's mainnet universal resolver), which has no
  // code on ganache: the lookup fails and the address is shown.
  const registry = createChainRegistry({ ethereum: { rpcUrl: dev.rpcUrl } })
  const lower = alice.toLowerCase()
  t.equal(await reader.resolveDisplayAddress(registry.get('ethereum')!, lower), lower, 'returned as given')

  const down = createChainRegistry({ ethereum: { rpcUrl: `http://127.0.0.1:${await closedPort()}` } })
  t.equal(await reader.resolveDisplayAddress(down.get('ethereum')!, alice), alice, 'RPC down')

  const silent = createHttpServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    silent.closeAllConnections()
    silent.close()
  })
  const slow = createChainRegistry({
    ethereum: { rpcUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}` },
  })
  const started = performance.now()
  t.equal(await reader.resolveDisplayAddress(slow.get('ethereum')!, alice), alice, 'RPC silent')
  t.ok(performance.now() - started < 2000, 'bounded by the ENS timeout')

  t.equal(await reader.resolveDisplayAddress(registry.get('ethereum')!, 'garbage'), 'garbage', 'bad address')
  t.equal(
    await reader.resolveDisplayAddress(createChainRegistry().get('ethereum')!, alice),
    alice,
    'no rpcUrl',
  )
  const sol = 'So11111111111111111111111111111111111111112'
  t.equal(await reader.resolveDisplayAddress(createChainRegistry().get('solana')!, sol), sol, 'not EVM')
})

t.test('publicClientFor: one cached viem client per EVM chain with an rpcUrl', async (t) => {
  const reader = createBalanceReader()
  const client = reader.publicClientFor(localhost)
  t.ok(client)
  t.equal(reader.publicClientFor(localhost), client, 'cached')
  t.equal(await client!.getChainId(), 1337)
  const registry = createChainRegistry()
  t.equal(reader.publicClientFor(registry.get('ethereum')!), undefined, 'no rpcUrl')
  t.equal(reader.publicClientFor(registry.get('solana')!), undefined, 'not EVM')
  await reader.close?.()
})

t.test('latency against the dev chain (informational)', async (t) => {
  const reader = createBalanceReader()
  const token = await dev.deployERC20({ decimals: 18 })
  await dev.mintERC20(token, alice, 10n ** 18n)
  const requirements = normalizeRequirements({ contractAddress: token })
  let started = performance.now()
  await reader.readBalances(localhost, alice, requirements)
  const cold = performance.now() - started
  const runs = 50
  started = performance.now()
  for (let i = 0; i < runs; i++) await reader.readBalances(localhost, alice, requirements)
  const warm = (performance.now() - started) / runs
  t.comment(`ERC-20 read: cold (detection + balance) ${cold.toFixed(1)} ms, warm ${warm.toFixed(2)} ms/read`)
  t.pass('measured')
})

t.test('token ids: per-id balances recorded, ERC-721 by ownerOf, ERC-20 refuses ids', async (t) => {
  const { methods, fetch } = countingFetch()
  // ganache executes the EVM in this very process: give its slowest call room on a busy machine.
  const reader = createBalanceReader({ fetch, timeout: 30_000 })
  const pass = await dev.deployERC721()
  await dev.mintERC721(pass, alice, 7n)
  await dev.mintERC721(pass, bob, 1n)
  const head = Number(await dev.publicClient.getBlockNumber())
  // The block of every reading is the head when it was read (nothing mined in between here).
  const ids = async (wallet: string, tokenIds: string[]) => {
    const { blockNumber, ...reading } = await reader.readBalances(
      localhost,
      wallet,
      normalizeRequirements({ contractAddress: pass, tokenIds }),
    )
    t.equal(blockNumber, head, 'read at the head')
    return reading
  }
  t.same(
    await ids(alice, ['1']),
    {
      tokenBalances: { contractAddress: { [pass]: '0' } },
      tokenIdBalances: { [pass.toLowerCase()]: { '1': '0' } },
    },
    'holding #7 says nothing about #1',
  )
  t.same(
    await ids(alice, ['1', '7', '0x07', '99']),
    {
      tokenBalances: { contractAddress: { [pass]: '1' } },
      tokenIdBalances: { [pass.toLowerCase()]: { '1': '0', '7': '1', '99': '0' } },
    },
    'distinct ids; a non-existent id (ownerOf reverts) is not held',
  )
  t.same(await ids(bob, ['1']), {
    tokenBalances: { contractAddress: { [pass]: '1' } },
    tokenIdBalances: { [pass.toLowerCase()]: { '1': '1' } },
  })
  // Many ids, one eth_call: every ownerOf in one deployless multicall.
  methods.length = 0
  await ids(
    alice,
    Array.from({ length: 40 }, (_, i) => String(i + 1)),
  )
  t.same(methods, ['eth_blockNumber', 'eth_call'], '40 ownerOf reads in one eth_call')

  const multi = await dev.deployERC1155()
  await dev.mintERC1155(multi, alice, 2n, 3n)
  t.match(
    await reader.readBalances(
      localhost,
      alice,
      normalizeRequirements({ contractAddress: multi, tokenIds: ['1', '2'] }),
    ),
    {
      tokenBalances: { contractAddress: { [multi]: '3' } },
      tokenIdBalances: { [multi.toLowerCase()]: { '1': '0', '2': '3' } },
    },
  )

  const coin = await dev.deployERC20({ decimals: 18 })
  const err = await reader
    .readBalances(localhost, alice, normalizeRequirements({ contractAddress: coin, tokenIds: ['1'] }))
    .catch((e) => e)
  t.type(err, InvalidRequirementError)
  t.match(err.message, 'ERC20 token: it has no token ids')
})
