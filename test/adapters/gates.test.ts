/**
 * Gates in the gate language (issue 15), one table of real-world gates × wallets run against
 * both adapters over real HTTP: the bundled authority reading two real EVM dev chains (ganache,
 * `localhost` 1337 and `base` 8453), each behind a counting JSON-RPC proxy, and real wallets
 * signing in. For every gate and wallet: the status, how the gate was met (`picketGate`) or why
 * not (the 403 names the failing part, never an allowlist's wallets), and that the token minted
 * on the way lets the NEXT request through without a single chain read. Both adapters must answer
 * alike (status, message, evaluation tree).
 */
import { decodeJwt } from 'jose'
import { generateSigningJwk, startAuthority } from 'picket-authority'
import { createSigningMessage, type GateConfig, type GateEvaluation, type GateExpression } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { prepareSiweLogin } from '../../tools/siwe-login.js'
import { startRpcProxy } from '../authority/support/rpc-proxy.js'
import { solanaWallet } from '../authority/support/wallets.js'
import { DOMAIN, ISSUER, PROJECT } from '../support/stack.js'
import { ADAPTERS, type Adapter, type Answer, type Served, type ServeOptions } from './support/adapters.js'

// ---------------------------------------------------------------------------------------------
// The world: two chains, their contracts, six wallets.

const local = await startDevChain({ chainId: 1337 })
t.teardown(() => local.close())
const base = await startDevChain({ chainId: 8453 })
t.teardown(() => base.close())
const localRpc = await startRpcProxy(local.rpcUrl)
t.teardown(() => localRpc.close())
const baseRpc = await startRpcProxy(base.rpcUrl)
t.teardown(() => baseRpc.close())

const signingJwk = await generateSigningJwk()
const authority = await startAuthority({
  port: 0,
  signingKey: signingJwk as never,
  issuer: ISSUER,
  projects: [PROJECT],
  chains: { localhost: { rpcUrl: localRpc.url, chainId: 1337 }, base: { rpcUrl: baseRpc.url } },
  warn: () => {},
})
t.teardown(() => authority.close())

/** `/authz` calls the adapters make. */
let authzCalls = 0
const client = new PicketClient(PROJECT.secretKey, {
  baseURL: authority.url,
  // ganache runs the EVM in this very process: give a chain read room on a busy machine.
  timeout: 60_000,
  fetch: (input, init) => {
    if (new URL(input instanceof Request ? input.url : String(input)).pathname.endsWith('/authz'))
      authzCalls++
    return fetch(input, init)
  },
})

const account = (i: number) => privateKeyToAccount(local.accounts[i]!.privateKey)
const W = {
  /** pass #7, 600 COIN on base, badge #7, art #1; 5 ETH. */
  full: account(1),
  /** pass #8 only; 0.5 ETH. */
  passOnly: account(2),
  /** 750 COIN on base only; 50 ETH. */
  coinOnly: account(3),
  /** badge #7, a token of the revoked list, art #2; 1 ETH. */
  revoked: account(4),
  /** nothing; 0 ETH. */
  nobody: account(5),
  /** pass #50 and on the allowlist; 2 ETH. */
  listed: account(6),
} as const
type WalletName = keyof typeof W
const WALLETS = Object.keys(W) as WalletName[]

const pass = await local.deployERC721({ name: 'Pass', symbol: 'PASS' })
const art = await local.deployERC721({ name: 'Art', symbol: 'ART' })
const revokedList = await local.deployERC721({ name: 'Revoked', symbol: 'RVK' })
const badge = await local.deployERC1155()
const coin = await base.deployERC20({ name: 'Coin', symbol: 'COIN', decimals: 6 })
await local.mintERC721(pass, W.full.address, 7n)
await local.mintERC721(pass, W.passOnly.address, 8n)
await local.mintERC721(pass, W.listed.address, 50n)
await local.mintERC721(art, W.full.address, 1n)
await local.mintERC721(art, W.revoked.address, 2n)
await local.mintERC721(revokedList, W.revoked.address, 5n)
await local.mintERC1155(badge, W.full.address, 7n, 1n)
await local.mintERC1155(badge, W.revoked.address, 7n, 3n)
await base.mintERC20(coin, W.full.address, 600n * 10n ** 6n)
await base.mintERC20(coin, W.coinOnly.address, 750n * 10n ** 6n)
const ether = (n: number) => BigInt(Math.round(n * 1000)) * 10n ** 15n
for (const [name, amount] of [
  ['full', 5],
  ['passOnly', 0.5],
  ['coinOnly', 50],
  ['revoked', 1],
  ['nobody', 0],
  ['listed', 2],
] as const) {
  await local.setBalance(W[name].address, ether(amount))
}

async function login(wallet: PrivateKeyAccount): Promise<string> {
  const body = await prepareSiweLogin(client, wallet, { chain: 'localhost', chainId: 1337, domain: DOMAIN })
  return (await client.auth(body)).accessToken
}
const tokens = {} as Record<WalletName, string>
for (const name of WALLETS) tokens[name] = await login(W[name])

const verify = {
  jwks: `${authority.url}/.well-known/jwks.json`,
  audience: PROJECT.id,
  issuer: authority.issuer,
}
// No /authz answer kept between requests: every read the table counts is a real one.
const options = {
  client,
  chain: 'localhost',
  allowedDomains: [DOMAIN],
  verify,
  revalidateCache: { ttl: 0 },
} as ServeOptions['options']
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

// ---------------------------------------------------------------------------------------------
// The gates.

const balanceOf = 'function balanceOf(address) view returns (uint256)'
const MEMBERS: GateExpression = {
  all: [
    { label: 'a Pass #1–#100', erc721: { contract: pass, ids: ['1-100'] } },
    {
      any: [
        { erc20: { chain: 'eip155:8453', contract: coin, min: '500' } },
        { allowlist: [W.listed.address.toLowerCase(), '0x000000000000000000000000000000000000dEaD'] },
      ],
    },
  ],
}
const COLLECTOR: GateExpression = {
  atLeast: {
    n: 2,
    of: [
      { erc721: { contract: pass } },
      { erc721: { chain: 'localhost', contract: art } },
      { erc1155: { contract: badge, id: 7 } },
    ],
  },
}
const BADGE: GateExpression = {
  all: [{ erc1155: { contract: badge, id: '7' } }, { not: { erc721: { contract: revokedList } } }],
}
const NATIVE: GateExpression = { native: { chain: 'localhost', min: '1', max: '10' } }
const COIN_CALL: GateExpression = {
  call: {
    chain: 'base',
    contract: coin,
    function: balanceOf,
    args: ['$wallet'],
    compare: { gte: '500000000' },
  },
}
const PASS_7: GateExpression = { erc721: { contract: pass, ids: [7] } }

interface Route {
  path: string
  config: Exclude<GateConfig, boolean>
  /** Which wallets pass (the others are refused). */
  pass: readonly WalletName[]
  /** What a refusal must say, per wallet (default: only the prefix). */
  refusal?: Partial<Record<WalletName, RegExp>>
}

const c = (address: string) => address.toLowerCase()
const ROUTES: readonly Route[] = [
  {
    path: '/members',
    config: { gate: MEMBERS },
    pass: ['full', 'listed'],
    refusal: {
      passOnly: new RegExp(
        `any of 2: 0 met \\(not met: at least 500 of ERC-20 ${c(coin)} on eip155:8453; the wallet is on the allowlist\\)`,
      ),
      coinOnly: /a Pass #1–#100: not met/,
      nobody: /a Pass #1–#100: not met/,
    },
  },
  {
    path: '/collector',
    config: { gate: COLLECTOR },
    pass: ['full', 'revoked'],
    refusal: {
      passOnly: new RegExp(`at least 2 of 3: 1 met \\(not met: holds ERC-721 ${c(art)} on eip155:1337; `),
      nobody: /at least 2 of 3: 0 met/,
    },
  },
  {
    path: '/badge',
    config: { gate: BADGE },
    pass: ['full'],
    // Refused for what it holds: the revoked-list token.
    refusal: {
      revoked: new RegExp(`holds ERC-721 ${c(revokedList)} on eip155:1337: met`),
      nobody: new RegExp(`any of ERC-1155 id 7 of ${c(badge)} on eip155:1337: not met`),
    },
  },
  {
    path: '/native',
    config: { gate: NATIVE },
    pass: ['full', 'revoked', 'listed'],
    refusal: {
      coinOnly: /1 to 10 native coin on eip155:1337: not met/,
      nobody: /1 to 10 native coin on eip155:1337: not met/,
    },
  },
  {
    path: '/coin-call',
    config: { gate: COIN_CALL },
    pass: ['full', 'coinOnly'],
    refusal: {
      nobody: new RegExp(
        `balanceOf\\(address\\) view returns \\(uint256\\) at ${c(coin)} on eip155:8453: output gte 500000000: not met`,
      ),
    },
  },
  {
    path: '/pass-7',
    config: { gate: PASS_7 },
    pass: ['full'],
    refusal: { passOnly: new RegExp(`holds ERC-721 id 7 of ${c(pass)} on eip155:1337: not met`) },
  },
]
const EXTRA_ROUTES = [
  { path: '/members-strict', gate: { gate: MEMBERS, incremental: false } },
  { path: '/pass-7-fresh', gate: { gate: PASS_7, revalidate: true } },
  { path: '/revoked-strict', gate: { gate: { erc721: { contract: revokedList } }, incremental: false } },
]

// ---------------------------------------------------------------------------------------------
// Helpers.

const reads = () => localRpc.posts.length + baseRpc.posts.length
const resetReads = () => {
  localRpc.reset()
  baseRpc.reset()
}
const REFUSAL_PREFIX = /^Access denied: The wallet does not meet this gate: /

/** Every condition of an evaluation tree (its leaves). */
function leaves(node: GateEvaluation): GateEvaluation[] {
  return node.children ? node.children.flatMap(leaves) : [node]
}

function messageOf(answer: Answer): string | undefined {
  return (answer.body as { message?: string } | undefined)?.message
}
function gateOf(answer: Answer): GateEvaluation | undefined {
  return (answer.body as { gate?: GateEvaluation } | undefined)?.gate
}

/** Serves the routes with both adapters for the length of `t`. */
async function serveBoth(t: Test, setup: ServeOptions): Promise<Map<Adapter, Served>> {
  const servers = new Map<Adapter, Served>()
  for (const adapter of ADAPTERS) servers.set(adapter, await adapter.serve(setup))
  t.teardown(async () => {
    for (const server of servers.values()) await server.close()
  })
  return servers
}

const servers = await serveBoth(t, {
  options,
  routes: [...ROUTES.map((route) => ({ path: route.path, gate: route.config })), ...EXTRA_ROUTES],
})

/** What the two adapters must agree on. */
const comparable = (answer: Answer) => ({
  status: answer.status,
  message: messageOf(answer),
  gate: gateOf(answer),
  minted: typeof answer.headers['picket-access-token'] === 'string',
})

/** Minted tokens, per adapter, route and wallet: the next request's credential. */
const minted = new Map<string, string>()

// ---------------------------------------------------------------------------------------------
// The table.

for (const route of ROUTES) {
  t.test(`${route.path}`, async (t) => {
    for (const wallet of WALLETS) {
      const allowed = route.pass.includes(wallet)
      await t.test(`${wallet}: ${allowed ? 'granted' : 'refused'}`, async (t) => {
        const first: ReturnType<typeof comparable>[] = []
        const second: ReturnType<typeof comparable>[] = []
        for (const [adapter, server] of servers) {
          const name = adapter.name
          const answer = await server.call('GET', route.path, { headers: bearer(tokens[wallet]) })
          first.push(comparable(answer))
          if (!allowed) {
            t.equal(answer.status, 403, `${name}: 403`)
            const message = messageOf(answer) ?? ''
            t.match(message, REFUSAL_PREFIX, `${name}: the authority's explanation`)
            const expected = route.refusal?.[wallet]
            if (expected) t.match(message, expected, `${name}: names the failing part`)
            t.notOk(
              message.toLowerCase().includes(c(W.listed.address)) || /0x0+dead/i.test(message),
              `${name}: never lists allowlist wallets`,
            )
            t.equal(answer.headers['picket-access-token'], undefined, `${name}: no token minted`)
            continue
          }
          t.equal(answer.status, 200, `${name}: 200 (${messageOf(answer)})`)
          const gate = gateOf(answer)
          t.equal(gate?.met, true, `${name}: picketGate met`)
          if (gate === undefined) continue
          t.equal((answer.body as { wallet?: string }).wallet, W[wallet].address, `${name}: the wallet`)
          for (const leaf of leaves(gate)) {
            if (leaf.met === null) t.equal(leaf.source, undefined, `${name}: an unneeded part has no source`)
            else
              t.equal(
                leaf.source,
                leaf.type === 'allowlist' ? 'wallet' : 'chain',
                `${name}: ${leaf.type} ${leaf.type === 'allowlist' ? 'from the wallet' : 'read for this request'}`,
              )
          }
          const fresh = answer.headers['picket-access-token']
          t.type(fresh, 'string', `${name}: a token recording the answers`)
          if (typeof fresh !== 'string') continue
          minted.set(`${name} ${route.path} ${wallet}`, fresh)
          t.ok(decodeJwt(fresh).gateFacts, `${name}: it carries gateFacts`)

          // The next request, with the minted token: decided from the token, nothing read.
          resetReads()
          const authzBefore = authzCalls
          const next = await server.call('GET', route.path, { headers: bearer(fresh) })
          second.push(comparable(next))
          t.equal(next.status, 200, `${name}: the next request passes`)
          t.equal(reads(), 0, `${name}: zero chain reads`)
          t.equal(authzCalls, authzBefore, `${name}: no /authz call`)
          t.equal(next.headers['picket-access-token'], undefined, `${name}: nothing new minted`)
          const again = gateOf(next)!
          t.equal(again.met, true)
          t.ok(
            leaves(again).every(
              (leaf) => leaf.met === null || leaf.source === 'token' || leaf.type === 'allowlist',
            ),
            `${name}: sources are 'token'`,
          )
          // And again on the same connection: the synchronous cache-hit path answers alike.
          const third = await server.call('GET', route.path, { headers: bearer(fresh) })
          t.equal(third.status, 200, `${name}: a cache hit`)
          t.same(gateOf(third), again, `${name}: the same picketGate on a cache hit`)
          t.equal(reads(), 0, `${name}: still zero chain reads`)
        }
        t.same(first[1], first[0], 'both adapters answer alike')
        if (second.length === 2) t.same(second[1], second[0], 'both adapters answer the next request alike')
      })
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Options of a gate.

t.test('incremental: false decides from the token alone, never reading', async (t) => {
  for (const [adapter, server] of servers) {
    const name = adapter.name
    resetReads()
    const authzBefore = authzCalls
    const plain = await server.call('GET', '/members-strict', { headers: bearer(tokens.full) })
    t.equal(plain.status, 403, `${name}: a login token proves nothing`)
    t.match(messageOf(plain), /does not prove the route's gate/, `${name}: says why`)
    t.equal(reads(), 0, `${name}: nothing read`)
    t.equal(authzCalls, authzBefore, `${name}: no /authz call`)
    // A token minted by /members (the same gate) proves it.
    const proven = minted.get(`${name} /members full`)!
    const ok = await server.call('GET', '/members-strict', { headers: bearer(proven) })
    t.equal(ok.status, 200, `${name}: a token that proves the gate passes`)
    t.equal(gateOf(ok)?.met, true)
    // A token that proves another gate proves nothing here; still no read.
    const otherGate = minted.get(`${name} /pass-7 full`)!
    const partial = await server.call('GET', '/members-strict', { headers: bearer(otherGate) })
    t.equal(partial.status, 403, `${name}: a token that does not prove the whole gate`)
    t.equal(reads(), 0, `${name}: still nothing read`)
    t.equal(authzCalls, authzBefore, `${name}: still no /authz call`)
  }
})

t.test('incremental: false refuses on a "no" the token recorded, with the explanation', async (t) => {
  const answers: ReturnType<typeof comparable>[] = []
  for (const [adapter, server] of servers) {
    const name = adapter.name
    // /badge granted `full` and recorded "holds no token of the revoked list".
    const recorded = minted.get(`${name} /badge full`)!
    resetReads()
    const authzBefore = authzCalls
    const answer = await server.call('GET', '/revoked-strict', { headers: bearer(recorded) })
    answers.push(comparable(answer))
    t.equal(answer.status, 403, `${name}: 403`)
    t.match(
      messageOf(answer),
      new RegExp(
        `^Access denied: The wallet does not meet this gate: holds ERC-721 ${c(revokedList)} on eip155:1337: not met$`,
      ),
      `${name}: the explanation, from the token`,
    )
    t.equal(reads(), 0, `${name}: nothing read`)
    t.equal(authzCalls, authzBefore, `${name}: no /authz call`)
  }
  t.same(answers[1], answers[0], 'both adapters answer alike')
})

t.test('a refusal with a non-ASCII label: the challenge header stays ASCII', async (t) => {
  for (const [adapter, server] of servers) {
    const answer = await server.call('GET', '/members', { headers: bearer(tokens.nobody) })
    t.equal(answer.status, 403, `${adapter.name}: 403, not a 500`)
    t.match(
      messageOf(answer),
      /a Pass #1–#100: not met/,
      `${adapter.name}: the body keeps the label as written`,
    )
    t.match(
      answer.headers['www-authenticate'],
      /^Bearer realm="picket", error="insufficient_scope", error_description=".*a Pass #1\?#100: not met"$/,
      `${adapter.name}: the header writes ? for it`,
    )
  }
})

t.test('revalidate: true reads the chain again, every time', async (t) => {
  for (const [adapter, server] of servers) {
    const name = adapter.name
    const proven = minted.get(`${name} /pass-7 full`)!
    for (const attempt of [1, 2]) {
      resetReads()
      const answer = await server.call('GET', '/pass-7-fresh', { headers: bearer(proven) })
      t.equal(answer.status, 200, `${name} #${attempt}: granted`)
      t.ok(localRpc.posts.length > 0, `${name} #${attempt}: the chain was read`)
      t.equal(baseRpc.posts.length, 0, `${name} #${attempt}: only the chain the gate names`)
      t.equal(gateOf(answer)?.met, true)
      t.equal(gateOf(answer)?.source, 'chain', `${name} #${attempt}: the answer was read for this request`)
    }
    const refused = await server.call('GET', '/pass-7-fresh', { headers: bearer(tokens.passOnly) })
    t.equal(refused.status, 403, `${name}: a fresh read refuses too`)
  }
})

t.test('a token of a Solana wallet never meets an EVM gate', async (t) => {
  const wallet = solanaWallet()
  const { nonce, statement, format } = await client.nonce({ chain: 'solana', walletAddress: wallet.address })
  const context = {
    domain: DOMAIN,
    uri: `http://${DOMAIN}`,
    issuedAt: new Date().toISOString(),
    chainId: 101,
    chainType: 'solana',
  }
  const message = createSigningMessage({
    format,
    statement,
    nonce,
    walletAddress: wallet.address,
    ...context,
  })
  const { accessToken } = await client.auth({
    chain: 'solana',
    walletAddress: wallet.address,
    signature: wallet.sign(message),
    context,
  })
  const answers: ReturnType<typeof comparable>[] = []
  for (const [adapter, server] of servers) {
    resetReads()
    const answer = await server.call('GET', '/pass-7', { headers: bearer(accessToken) })
    answers.push(comparable(answer))
    t.equal(answer.status, 403, `${adapter.name}: 403`)
    t.equal(reads(), 0, `${adapter.name}: nothing read to know it`)
    t.match(
      messageOf(answer),
      new RegExp(`holds ERC-721 id 7 of ${c(pass)} on eip155:1337: not met`),
      `${adapter.name}: says which part`,
    )
  }
  t.same(answers[1], answers[0], 'both adapters answer alike')
})

t.test('chainAliases: the adapter names chains its own way', async (t) => {
  const aliased = await serveBoth(t, {
    options: { ...options, chainAliases: { devbase: 'eip155:8453' } } as ServeOptions['options'],
    routes: [{ path: '/coin', gate: { gate: { erc20: { chain: 'devbase', contract: coin, min: '500' } } } }],
  })
  const answers: ReturnType<typeof comparable>[] = []
  for (const [adapter, server] of aliased) {
    const granted = await server.call('GET', '/coin', { headers: bearer(tokens.coinOnly) })
    t.equal(granted.status, 200, `${adapter.name}: granted on the aliased chain`)
    t.match(gateOf(granted)?.description, /on eip155:8453$/, `${adapter.name}: resolved to eip155:8453`)
    const refused = await server.call('GET', '/coin', { headers: bearer(tokens.passOnly) })
    answers.push(comparable(refused))
    t.equal(refused.status, 403, `${adapter.name}: refused`)
    t.match(messageOf(refused), /eip155:8453: not met/)
  }
  t.same(answers[1], answers[0], 'both adapters answer alike')
})

t.test('an unknown chain alias in a route: Fastify refuses to start, naming the path', async (t) => {
  const typo = { gate: { all: [PASS_7, { native: { chain: 'bsae', min: '1' } }] } }
  const fastify = ADAPTERS.find((adapter) => adapter.name === 'fastify')!
  await t.rejects(
    fastify.serve({ options, routes: [{ path: '/typo', gate: typo }] }),
    /config\.picket\.gate\.all\[1\]\.native\.chain of GET \/typo.*'bsae' is not a known chain alias \(did you mean 'base'\?\)/,
  )
  // Its own alias is known to it; a chain alias the adapter was not given is not.
  await t.rejects(
    fastify.serve({ options, routes: [{ path: '/typo', gate: { gate: { native: { chain: 'devbase' } } } }] }),
    /config\.picket\.gate\.native\.chain of GET \/typo.*'devbase' is not a known chain alias/,
  )

  // Express: requireWallet() is written before picket()'s aliases are in reach. A malformed
  // CAIP-2 id and a typo of a known alias are refused at once, with the path and the fix.
  const express = ADAPTERS.find((adapter) => adapter.name === 'express')!
  await t.rejects(
    express.serve({
      options,
      routes: [{ path: '/typo', gate: { gate: { native: { chain: 'eip155:x' } } } }],
    }),
    /requireWallet\(\)\.gate\.native\.chain/,
  )
  await t.rejects(
    express.serve({ options, routes: [{ path: '/typo', gate: typo }] }),
    /requireWallet\(\)\.gate\.all\[1\]\.native\.chain.*'bsae' is not a known chain alias \(did you mean 'base'\?\)/,
  )
  // A name far from every known alias may be one of picket()'s own chainAliases: it is checked
  // at the gate's first request (500, the fix in the error log).
  const errorLog: string[] = []
  const unknown = { gate: { native: { chain: 'devbase' } } }
  const served = await express.serve({ options, routes: [{ path: '/unknown', gate: unknown }], errorLog })
  t.teardown(() => served.close())
  const answer = await served.call('GET', '/unknown', { headers: bearer(tokens.full) })
  t.equal(answer.status, 500, 'express: the first request is refused with 500')
  t.match(
    errorLog.join('\n'),
    /requireWallet\(\)\.gate\.native\.chain.*'devbase' is not a known chain alias/,
    'express: the error names the path',
  )
})
