/**
 * "The contract said no" versus "the node failed", as different nodes word them. ganache only
 * produces its own wording, so a loopback JSON-RPC server plays nodes that answer `eth_call`
 * with geth's code 3, a provider's -32603 outage, or an HTTP 502.
 */
import Fastify from 'fastify'
import t from 'tap'
import { encodeAbiParameters } from 'viem'
import {
  ChainUnavailableError,
  createChainRegistry,
  UnsupportedTokenError,
} from '../../../packages/authority/src/chains/index.js'
import { normalizeRequirements } from '../../../packages/core/src/core/requirements.js'
import { createTokenBalanceReader } from './support/token-balance-reader.js'

/** The part of tap's test object the helpers need. */
type Teardown = { teardown(fn: () => unknown): void }

const SELECTORS = {
  supportsInterface: '0x01ffc9a7',
  decimals: '0x313ce567',
  totalSupply: '0x18160ddd',
  balanceOf: '0x70a08231',
} as const
type Fn = keyof typeof SELECTORS

type Reply =
  | { result: string }
  | { error: { code: number; message: string; data?: string } }
  | { http: number }

const TRUE = encodeAbiParameters([{ type: 'bool' }], [true])
const FALSE = encodeAbiParameters([{ type: 'bool' }], [false])
const uint = (n: bigint) => encodeAbiParameters([{ type: 'uint256' }], [n])
const GANACHE_REVERT = {
  error: { code: -32000, message: 'VM Exception while processing transaction: revert' },
}

async function fakeNode(t: Teardown) {
  const replies: Partial<Record<Fn, Reply>> = {}
  const erc721Probe: { reply: Reply } = { reply: { result: FALSE } }
  const methods: string[] = []
  const app = Fastify({ forceCloseConnections: true })
  app.post('/', async (request, reply) => {
    const body = request.body as { id: number; method: string; params: [{ data: string }] }
    methods.push(body.method)
    let answer: Reply
    if (body.method === 'eth_getCode') answer = { result: '0x6080604052' }
    // Balances are read at the head, asked first.
    else if (body.method === 'eth_blockNumber') answer = { result: '0x10' }
    // Each endpoint proves its chain id before it is read from: this one is the local chain's.
    else if (body.method === 'eth_chainId') answer = { result: '0x539' }
    else if (body.method === 'eth_call') {
      const data = body.params[0].data
      const fn = (Object.keys(SELECTORS) as Fn[]).find((f) => data.startsWith(SELECTORS[f]))!
      // supportsInterface(0x80ac58cd) is the ERC-721 probe; the ERC-1155 probe always says false.
      if (fn === 'supportsInterface')
        answer = data.includes('80ac58cd') ? erc721Probe.reply : { result: FALSE }
      else answer = replies[fn] ?? GANACHE_REVERT
    } else answer = { error: { code: -32601, message: 'method not found' } }
    if ('http' in answer) return reply.code(answer.http).send('bad gateway')
    return { jsonrpc: '2.0', id: body.id, ...answer }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  const chain = createChainRegistry({ localhost: { rpcUrl: `http://127.0.0.1:${port}` } }).get('localhost')!
  return { replies, erc721Probe, methods, chain }
}

const WALLET = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const requirements = normalizeRequirements({ contractAddress: TOKEN })

t.test('revert wordings of different nodes all mean "not this standard"', async (t) => {
  const reverts: [string, Reply][] = [
    ['geth: code 3', { error: { code: 3, message: 'execution reverted', data: '0x' } }],
    ['ganache: -32000', GANACHE_REVERT],
    [
      'hardhat: -32603 with revert text',
      { error: { code: -32603, message: 'reverted with reason string "x"' } },
    ],
    ['empty return data', { result: '0x' }],
  ]
  for (const [label, reply] of reverts) {
    const { replies, chain } = await fakeNode(t)
    replies.decimals = reply
    replies.totalSupply = reply
    const err = await createTokenBalanceReader()
      .readBalances(chain, WALLET, requirements)
      .catch((e) => e)
    t.type(err, UnsupportedTokenError, label)
  }
})

t.test(
  'an ERC-20 without decimals() is counted in raw units (totalSupply proves it is a token)',
  async (t) => {
    const { replies, chain } = await fakeNode(t)
    replies.totalSupply = { result: uint(1000n) }
    replies.balanceOf = { result: uint(42n) }
    t.same(await createTokenBalanceReader().readBalances(chain, WALLET, requirements), {
      contractAddress: { [TOKEN]: '42' },
    })
  },
)

t.test('node failures during detection are ChainUnavailableError, never UnsupportedTokenError', async (t) => {
  const failures: [string, Reply][] = [
    ['-32603 internal error', { error: { code: -32603, message: 'internal error' } }],
    ['-32005 rate limited', { error: { code: -32005, message: 'request limit exceeded' } }],
    ['HTTP 502', { http: 502 }],
  ]
  for (const [label, reply] of failures) {
    const { replies, chain } = await fakeNode(t)
    replies.decimals = reply
    replies.totalSupply = reply
    const err = await createTokenBalanceReader()
      .readBalances(chain, WALLET, requirements)
      .catch((e) => e)
    t.type(err, ChainUnavailableError, label)
  }
})

t.test(
  'balance call failing after detection: revert → unsupported (and re-detected), outage → unavailable',
  async (t) => {
    const { replies, erc721Probe, methods, chain } = await fakeNode(t)
    const reader = createTokenBalanceReader()
    erc721Probe.reply = { result: TRUE }
    replies.balanceOf = { result: uint(2n) }
    t.same(await reader.readBalances(chain, WALLET, requirements), { contractAddress: { [TOKEN]: '2' } })

    replies.balanceOf = { error: { code: -32603, message: 'upstream connect error' } }
    t.type(await reader.readBalances(chain, WALLET, requirements).catch((e) => e), ChainUnavailableError)

    // Now the "NFT" reverts on balanceOf and no longer claims ERC-721 (an upgraded proxy).
    replies.balanceOf = GANACHE_REVERT
    erc721Probe.reply = { result: FALSE }
    t.type(await reader.readBalances(chain, WALLET, requirements).catch((e) => e), UnsupportedTokenError)
    methods.length = 0
    t.type(await reader.readBalances(chain, WALLET, requirements).catch((e) => e), UnsupportedTokenError)
    t.ok(methods.includes('eth_getCode'), 'the cached detection was dropped and the contract probed again')
  },
)
