/**
 * Child process of bench/gate-evaluation.ts: two ganache dev chains (A: chain id 1337, the
 * `localhost` chain; B: chain id 31338), each behind a loopback proxy that counts the HTTP POSTs
 * (and JSON-RPC methods) the authority sends it. Deploys the gate's tokens and gives every wallet
 * of GE_WALLETS (JSON list of addresses) what the bench's gates ask for: pass #i (i = its
 * 1-based index) and 10 COIN-A and ERC-1155 #7 on A; 1000 COIN and pass-B #i on B; 2 ETH on both.
 * The other pass ids up to #100 go to an outsider (a complete collection: no ownerOf reverts).
 * Nobody of them holds the revoked badge (ERC-1155 #1 on B; one outsider does).
 *
 * IPC: sends { type: 'ready', rpc, chainIds, contracts }; answers { type: 'counts', id } with the
 * POSTs and methods per chain since the last { type: 'reset' }; `cpu` and `close` as every child.
 */
import { Agent, createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startDevChain } from '../../tools/devchain/index.js'
import { CHAIN_A_ID, CHAIN_B_ID, type ChainCounts, type ChainsReady } from './gate-eval-shared.js'
import { serveCpuUsage } from './protocol.js'

interface Counter {
  posts: number
}

const methods = new Map<string, number>()

/** A loopback proxy that forwards every body to `target` as is and counts it. */
async function countingProxy(target: string, counter: Counter): Promise<{ url: string; close(): void }> {
  const agent = new Agent({ keepAlive: true })
  const upstream = new URL(target)
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      counter.posts++
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { method?: string } | { method?: string }[]
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          const name = String(call.method)
          methods.set(name, (methods.get(name) ?? 0) + 1)
        }
      } catch {}
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: req.method,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' })
          answer.pipe(res)
        },
      )
      forward.on('error', () => res.destroy())
      forward.end(body)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close()
      server.closeAllConnections()
      agent.destroy()
    },
  }
}

const wallets = JSON.parse(process.env.GE_WALLETS ?? '[]') as `0x${string}`[]
const [a, b] = await Promise.all([
  startDevChain({ chainId: CHAIN_A_ID }),
  startDevChain({ chainId: CHAIN_B_ID }),
])
const [passA, coinA, multiA] = [
  await a.deployERC721({ name: 'Pass', symbol: 'PASS' }),
  await a.deployERC20({ name: 'Coin A', symbol: 'COINA', decimals: 18 }),
  await a.deployERC1155(),
]
const [coinB, badgeB, passB] = [
  await b.deployERC20({ name: 'Coin', symbol: 'COIN', decimals: 18 }),
  await b.deployERC1155(),
  await b.deployERC721({ name: 'Pass B', symbol: 'PASSB' }),
]
const ether = 10n ** 18n
// One sender per chain: its transactions go in order; the two chains mint at the same time.
await Promise.all([
  (async () => {
    for (const [i, wallet] of wallets.entries()) {
      await a.mintERC721(passA, wallet, BigInt(i + 1))
      await a.mintERC20(coinA, wallet, 10n * ether)
      await a.mintERC1155(multiA, wallet, 7n, 1n)
      await a.setBalance(wallet, 2n * ether)
    }
    // The rest of the collection exists too (held by someone else): a wallet's ownerOf reads
    // answer another owner, as on a real chain, rather than revert for ids never minted.
    for (let id = wallets.length + 1; id <= 100; id++)
      await a.mintERC721(passA, a.accounts[9]!.address, BigInt(id))
  })(),
  (async () => {
    await b.mintERC1155(badgeB, b.accounts[9]!.address, 1n, 1n)
    for (const [i, wallet] of wallets.entries()) {
      await b.mintERC20(coinB, wallet, 1000n * ether)
      await b.mintERC721(passB, wallet, BigInt(i + 1))
      await b.setBalance(wallet, 2n * ether)
    }
  })(),
])

const counters = { A: { posts: 0 }, B: { posts: 0 } }
const proxyA = await countingProxy(a.rpcUrl, counters.A)
const proxyB = await countingProxy(b.rpcUrl, counters.B)

process.on('message', (message: { type: string; id?: number }) => {
  if (message.type === 'reset') {
    counters.A.posts = 0
    counters.B.posts = 0
    methods.clear()
  } else if (message.type === 'counts') {
    const reply: ChainCounts = {
      type: 'counts',
      id: message.id ?? 0,
      posts: { A: counters.A.posts, B: counters.B.posts },
      methods: Object.fromEntries(methods),
    }
    process.send!(reply)
  }
})
serveCpuUsage(async () => {
  proxyA.close()
  proxyB.close()
  await Promise.all([a.close(), b.close()])
})

const lower = (address: string) => address.toLowerCase()
const ready: ChainsReady = {
  type: 'ready',
  rpc: { A: proxyA.url, B: proxyB.url },
  contracts: {
    passA: lower(passA),
    coinA: lower(coinA),
    multiA: lower(multiA),
    coinB: lower(coinB),
    badgeB: lower(badgeB),
    passB: lower(passB),
  },
}
process.send!(ready)
