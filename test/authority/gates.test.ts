/**
 * The gate language at the authority (issue 15), over real HTTP: `/authz` and `/auth/validate`
 * with a `gate`, against two real EVM dev chains (ganache, chain ids 1337 `localhost` and 8453
 * `base`), each behind a counting JSON-RPC proxy. Bad gates are 400s naming their path; the
 * token records what the chains answered (`gateFacts`, per chain, at the head block) and merges
 * across calls; and the cost: one batched POST per chain read, none for a chain whose answers
 * cannot change the result.
 */
import { decodeJwt } from 'jose'
import { DEFAULT_CHAIN_ALIASES, type GateExpression, type GateFacts, parseGateExpression } from 'picket-core'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { basicAuth, SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { startRpcProxy } from './support/rpc-proxy.js'
import { prepareEvmLogin, siweContext } from './support/wallets.js'

const chainA = await startDevChain({ chainId: 1337 })
t.teardown(() => chainA.close())
const chainB = await startDevChain({ chainId: 8453 })
t.teardown(() => chainB.close())
const proxyA = await startRpcProxy(chainA.rpcUrl)
t.teardown(() => proxyA.close())
const proxyB = await startRpcProxy(chainB.rpcUrl)
t.teardown(() => proxyB.close())

const authority = await startTestAuthority({
  chains: {
    localhost: { rpcUrl: proxyA.url, chainId: 1337 },
    base: { rpcUrl: proxyB.url },
  },
})
t.teardown(() => authority.close())

const A = 'eip155:1337'
const B = 'eip155:8453'

// The same mnemonic on both chains: the same funded accounts (1000 ETH each) on each.
const alice = privateKeyToAccount(chainA.accounts[1]!.privateKey)
const bob = privateKeyToAccount(chainA.accounts[2]!.privateKey)

// Chain A (localhost): a pass, a coin (18 decimals), a badge.
const passA = await chainA.deployERC721({ name: 'Pass A', symbol: 'PA' })
const coinA = await chainA.deployERC20({ name: 'Coin A', symbol: 'CA', decimals: 18 })
const badgeA = await chainA.deployERC1155()
await chainA.mintERC721(passA, alice.address, 7n)
await chainA.mintERC20(coinA, alice.address, 100n * 10n ** 18n)
await chainA.mintERC1155(badgeA, alice.address, 1n, 5n)
// Chain B (base): a coin with 6 decimals, a pass, a badge.
const coinB = await chainB.deployERC20({ name: 'Coin B', symbol: 'CB', decimals: 6 })
const passB = await chainB.deployERC721({ name: 'Pass B', symbol: 'PB' })
const badgeB = await chainB.deployERC1155()
await chainB.mintERC20(coinB, alice.address, 600n * 10n ** 6n)
await chainB.mintERC721(passB, alice.address, 3n)
await chainB.mintERC1155(badgeB, alice.address, 2n, 1n)

async function login(account: typeof alice): Promise<string> {
  const { body } = await prepareEvmLogin(authority, account, {
    chain: 'localhost',
    context: siweContext({ chainId: 1337 }),
  })
  const auth = await authority.call('POST', 'auth', { body, auth: basicAuth.js(SIWE_PROJECT.publishableKey) })
  if (auth.status !== 200) throw new Error(`login failed: ${JSON.stringify(auth.body)}`)
  return auth.body.accessToken as string
}
const aliceToken = await login(alice)
const bobToken = await login(bob)

const authz = (body: Record<string, unknown>) => authority.call('POST', 'authz', { body })
const validate = (body: Record<string, unknown>) => authority.call('POST', 'auth/validate', { body })
const factsOf = (token: string) => decodeJwt(token).gateFacts as GateFacts | undefined
const compile = (gate: GateExpression) =>
  parseGateExpression(gate, 'gate', (path, problem) => new Error(`${path} ${problem}`), {
    aliases: DEFAULT_CHAIN_ALIASES,
  })
/** The POSTs that are not the head (`eth_blockNumber`) or an endpoint's chain-id proof. */
const reads = (proxy: typeof proxyA) =>
  proxy.posts.filter((post) => post.methods.some((m) => m !== 'eth_blockNumber' && m !== 'eth_chainId'))
const resetProxies = () => {
  proxyA.reset()
  proxyB.reset()
}

const balanceOf = 'function balanceOf(address) view returns (uint256)'

t.test('bad gates are 400s naming the path', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    [
      'a malformed contract',
      { all: [{ erc20: { chain: 'localhost', contract: 'nope', min: '1' } }] },
      /gate\.all\[0\]\.erc20\.contract/,
    ],
    ['an unknown operator', { every: [{ native: { chain: 'localhost' } }] }, /gate/],
    [
      'a misspelt alias, with a did-you-mean',
      { any: [{ native: { chain: 'localhost' } }, { native: { chain: 'bsae', min: '1' } }] },
      /gate\.any\[1\]\.native\.chain.*did you mean 'base'/,
    ],
    ['a bad amount', { erc20: { chain: 'base', contract: coinB, min: 'lots' } }, /gate\.erc20\.min/],
    [
      'a condition without a chain (a request has no default chain)',
      { native: { min: '1' } },
      /gate\.native/,
    ],
    [
      'a call without a comparison',
      { call: { chain: 'localhost', contract: coinA, function: balanceOf, args: ['$wallet'], compare: {} } },
      /gate\.call\.compare/,
    ],
  ]
  cases.push(
    [
      'atLeast n above its parts',
      { atLeast: { n: 3, of: [{ native: { chain: 'localhost' } }, { native: { chain: 'base' } }] } },
      /gate\.atLeast\.n/,
    ],
    [
      'too many ERC-721 ids',
      { erc721: { chain: 'localhost', contract: passA, ids: ['1-5000'] } },
      /gate\.erc721\.ids/,
    ],
  )
  for (const [name, gate, path] of cases) {
    resetProxies()
    const res = await authz({ accessToken: aliceToken, gate })
    t.equal(res.status, 400, `${name}: 400`)
    t.equal(res.body.code, 'parameter_invalid', `${name}: code`)
    t.match(res.body.msg, path, `${name}: ${res.body.msg}`)
    const checked = await validate({ accessToken: aliceToken, gate })
    t.equal(checked.status, 400, `${name}: /auth/validate 400 too`)
    t.match(checked.body.msg, path, `${name}: /auth/validate names the path`)
    t.equal(proxyA.posts.length + proxyB.posts.length, 0, `${name}: nothing read`)
  }
})

t.test('a gate and requirements together are a 400', async (t) => {
  const gate = { native: { chain: 'localhost' } }
  for (const extra of [{ requirements: { contractAddress: passA } }, { contractAddress: passA }]) {
    const res = await authz({ accessToken: aliceToken, gate, ...extra })
    t.equal(res.status, 400)
    t.match(res.body.msg, /gate and (requirements|contractAddress) in one request/)
    const checked = await validate({ accessToken: aliceToken, gate, ...extra })
    t.equal(checked.status, 400, '/auth/validate too')
  }
})

t.test('an unknown CAIP-2 chain is a 400; a known chain without an RPC is a 503', async (t) => {
  const unknown = await authz({ accessToken: aliceToken, gate: { native: { chain: 'eip155:999999' } } })
  t.equal(unknown.status, 400)
  t.match(unknown.body.msg, /eip155:999999.*does not serve/)
  // eip155:1 is Ethereum mainnet, a built-in with no RPC URL configured here.
  const noRpc = await authz({
    accessToken: aliceToken,
    gate: { erc20: { chain: 'ethereum', contract: coinA, min: '1' } },
  })
  t.equal(noRpc.status, 503, JSON.stringify(noRpc.body))
})

t.test('a reverting call that decides the gate is 424; one another part outweighs is not', async (t) => {
  // DemoERC20 has no isMember: the call reverts.
  const reverting = {
    call: {
      chain: 'localhost',
      contract: coinA,
      function: 'function isMember(address) view returns (bool)',
      args: ['$wallet'],
      compare: { eq: true },
    },
  }
  const alone = await authz({
    accessToken: aliceToken,
    gate: { all: [reverting, { native: { chain: 'localhost' } }] },
  })
  t.equal(alone.status, 424, JSON.stringify(alone.body))
  t.match(alone.body.msg, /could not be decided/)
  const outweighed = await authz({
    accessToken: aliceToken,
    gate: { any: [reverting, { erc20: { chain: 'base', contract: coinB, min: '500' } }] },
  })
  t.equal(outweighed.status, 200, JSON.stringify(outweighed.body))
  const sameChain = await authz({
    accessToken: aliceToken,
    gate: { any: [reverting, { erc721: { chain: 'localhost', contract: passA, ids: ['7'] } }] },
  })
  t.equal(sameChain.status, 200, JSON.stringify(sameChain.body))
  // Refused, even with the undecidable part: `all` is false once any part is false.
  const refused = await authz({
    accessToken: bobToken,
    gate: { all: [reverting, { erc721: { chain: 'localhost', contract: passA, ids: ['7'] } }] },
  })
  t.equal(refused.status, 403, JSON.stringify(refused.body))
})

t.test('gateFacts: per chain, at the head block, by condition key; validate reads them', async (t) => {
  const gate: GateExpression = {
    all: [
      { erc721: { chain: 'localhost', contract: passA, ids: ['1-100'] } },
      { erc20: { chain: 'base', contract: coinB, min: '500' } },
      { not: { erc721: { chain: 'base', contract: passB, ids: ['99'] } } },
    ],
  }
  const compiled = compile(gate)
  const res = await authz({ accessToken: aliceToken, gate })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const token = res.body.accessToken as string
  t.not(token, aliceToken, 'a new token')
  t.equal(decodeJwt(token).exp, decodeJwt(aliceToken).exp, 'it keeps the old exp')
  t.equal(decodeJwt(token).sid, decodeJwt(aliceToken).sid ?? decodeJwt(aliceToken).tid, 'same session')
  const facts = factsOf(token)!
  t.same(Object.keys(facts).sort(), [A, B].sort(), 'both chains answered')
  t.equal(facts[A]!.block, Number(await chainA.publicClient.getBlockNumber()), 'chain A: head block')
  t.equal(facts[B]!.block, Number(await chainB.publicClient.getBlockNumber()), 'chain B: head block')
  const [pass, coin, notPass] = compiled.conditions
  t.same(facts[A]!.met, { [pass!.key]: true })
  t.same(facts[B]!.met, { [coin!.key]: true, [notPass!.key]: false }, 'a false answer is recorded too')

  // /auth/validate decides from the token alone.
  resetProxies()
  const ok = await validate({ accessToken: token, gate })
  t.equal(ok.status, 200, JSON.stringify(ok.body))
  t.equal(ok.body.walletAddress, alice.address)
  const no = await validate({
    accessToken: token,
    gate: { erc721: { chain: 'base', contract: passB, ids: ['99'] } },
  })
  t.equal(no.status, 403)
  t.match(
    no.body.msg,
    /^The wallet does not meet this gate: holds ERC-721 id 99 of .* on eip155:8453: not met/,
  )
  const unknown = await validate({
    accessToken: token,
    gate: { erc20: { chain: 'base', contract: coinB, min: '1000' } },
  })
  t.equal(unknown.status, 403)
  t.match(unknown.body.msg, /does not prove the gate; call authz/)
  t.equal(proxyA.posts.length + proxyB.posts.length, 0, 'validate never reads a chain')

  // /authz with what the token proves: the same token, no read; revalidate reads again.
  const again = await authz({ accessToken: token, gate })
  t.equal(again.status, 200)
  t.equal(again.body.accessToken, token, 'the same token')
  t.equal(proxyA.posts.length + proxyB.posts.length, 0, 'no read')
  const fresh = await authz({ accessToken: token, gate, revalidate: true })
  t.equal(fresh.status, 200)
  t.equal(reads(proxyA).length, 1, 'revalidate: chain A read')
  t.equal(reads(proxyB).length, 1, 'revalidate: chain B read')
})

t.test('two /authz calls: the answers of both chains are merged', async (t) => {
  const onA: GateExpression = { erc20: { chain: 'localhost', contract: coinA, min: '50' } }
  const onB: GateExpression = { erc1155: { chain: 'base', contract: badgeB, id: 2 } }
  const first = await authz({ accessToken: aliceToken, gate: onA })
  t.equal(first.status, 200)
  t.same(Object.keys(factsOf(first.body.accessToken)!), [A])
  const second = await authz({ accessToken: first.body.accessToken, gate: onB })
  t.equal(second.status, 200)
  const facts = factsOf(second.body.accessToken)!
  t.same(Object.keys(facts).sort(), [A, B].sort(), 'both chains')
  t.equal(facts[A]!.met[compile(onA).conditions[0]!.key], true, "chain A's answer kept")
  t.equal(facts[B]!.met[compile(onB).conditions[0]!.key], true, "chain B's answer added")
  t.equal(decodeJwt(second.body.accessToken).exp, decodeJwt(aliceToken).exp, 'exp kept across both')
  // The merged token proves both gates at once, from the token alone.
  resetProxies()
  const both = await validate({ accessToken: second.body.accessToken, gate: { all: [onA, onB] } })
  t.equal(both.status, 200)
  t.equal(proxyA.posts.length + proxyB.posts.length, 0)
})

t.test('ten conditions on two chains: one batched POST per chain', async (t) => {
  const gate: GateExpression = {
    all: [
      { erc20: { chain: 'localhost', contract: coinA, min: '50' } },
      { erc721: { chain: 'localhost', contract: passA, ids: ['1-10'] } },
      { erc1155: { chain: 'localhost', contract: badgeA, id: '1', min: '5' } },
      { native: { chain: 'localhost', min: '1' } },
      {
        call: {
          chain: 'localhost',
          contract: coinA,
          function: balanceOf,
          args: ['$wallet'],
          compare: { gte: 1 },
        },
      },
      { erc20: { chain: 'base', contract: coinB, min: '500' } },
      { erc721: { chain: 'base', contract: passB, ids: [3] } },
      { erc1155: { chain: 'base', contract: badgeB, id: 2 } },
      { native: { chain: 'base', min: '0.5', max: '100000' } },
      {
        call: {
          chain: 'base',
          contract: coinB,
          function: balanceOf,
          args: ['$wallet'],
          compare: { gte: '500000000' },
        },
      },
    ],
  }
  t.equal(compile(gate).conditions.length, 10)
  resetProxies()
  const res = await authz({ accessToken: aliceToken, gate, revalidate: true })
  t.equal(res.status, 200, JSON.stringify(res.body))
  for (const [name, proxy] of [
    ['localhost', proxyA],
    ['base', proxyB],
  ] as const) {
    const batches = reads(proxy)
    t.equal(
      batches.length,
      1,
      `${name}: one POST after the head/chainId (${JSON.stringify(proxy.posts.map((p) => p.methods))})`,
    )
    t.ok(batches[0]?.methods.includes('eth_call'), `${name}: the multicall is in it`)
    t.ok(batches[0]?.methods.includes('eth_getBalance'), `${name}: the coin balance is in it`)
    t.ok(proxy.posts.length <= 3, `${name}: at most head + chainId + the batch`)
  }
  const facts = factsOf(res.body.accessToken)!
  t.equal(Object.keys(facts[A]!.met).length, 5)
  t.equal(Object.keys(facts[B]!.met).length, 5)
  t.ok(Object.values(facts[A]!.met).every((met) => met === true))
  t.ok(Object.values(facts[B]!.met).every((met) => met === true))

  // Bob fails on the first chain read (ties: the chain the gate names first); base is never read.
  resetProxies()
  const refused = await authz({ accessToken: bobToken, gate })
  t.equal(refused.status, 403)
  t.match(refused.body.msg, /^The wallet does not meet this gate: /)
  t.equal(reads(proxyA).length, 1, 'localhost: one POST')
  t.equal(proxyB.posts.length, 0, 'base: nothing read')
})

t.test('short-circuit: a chain whose answers cannot change the result is not read', async (t) => {
  resetProxies()
  const metOnA = await authz({
    accessToken: aliceToken,
    gate: {
      any: [
        { erc721: { chain: 'localhost', contract: passA, ids: ['7'] } },
        { erc20: { chain: 'base', contract: coinB, min: '1' } },
      ],
    },
  })
  t.equal(metOnA.status, 200)
  t.equal(reads(proxyA).length, 1, 'localhost read once')
  t.equal(proxyB.posts.length, 0, 'base: zero POSTs')
  t.same(Object.keys(factsOf(metOnA.body.accessToken)!), [A], 'only chain A recorded')

  // Fewest pending conditions first: A (one) before B (two), although B is named first.
  resetProxies()
  const fewest = await authz({
    accessToken: aliceToken,
    gate: {
      any: [
        { erc20: { chain: 'base', contract: coinB, min: '1' } },
        { native: { chain: 'base', min: '1' } },
        { erc1155: { chain: 'localhost', contract: badgeA, id: 1 } },
      ],
    },
  })
  t.equal(fewest.status, 200)
  t.equal(reads(proxyA).length, 1)
  t.equal(proxyB.posts.length, 0, 'base: zero POSTs')

  // An allowlist decides without any read at all.
  resetProxies()
  const listed = await authz({
    accessToken: bobToken,
    gate: { any: [{ allowlist: [bob.address.toLowerCase()] }, { native: { chain: 'base', min: '1' } }] },
  })
  t.equal(listed.status, 200)
  t.equal(proxyA.posts.length + proxyB.posts.length, 0, 'no chain read')
  const notListed = await authz({
    accessToken: aliceToken,
    gate: { all: [{ allowlist: [bob.address] }, { native: { chain: 'base', min: '1' } }] },
  })
  t.equal(notListed.status, 403)
  t.match(notListed.body.msg, /the wallet is on the allowlist: not met/)
  t.notOk(notListed.body.msg.toLowerCase().includes(bob.address.toLowerCase()), 'never lists the allowlist')
  t.equal(proxyA.posts.length + proxyB.posts.length, 0, 'no chain read')
})

t.test('Picket requirements on /authz behave as before', async (t) => {
  const granted = await authz({ accessToken: aliceToken, requirements: { contractAddress: passA } })
  t.equal(granted.status, 200, JSON.stringify(granted.body))
  t.ok(JSON.stringify(granted.body.user.tokenBalances).toLowerCase().includes(passA.toLowerCase()))
  t.equal(decodeJwt(granted.body.accessToken).gateFacts, undefined, 'no gateFacts')
  // snake_case, as picket-node sends it
  const snake = await authz({ access_token: aliceToken, requirements: { contractAddress: passA } })
  t.equal(snake.status, 200)
  const refused = await authz({ accessToken: bobToken, requirements: { contractAddress: passA } })
  t.equal(refused.status, 403)
  t.equal(refused.body.code, 'permission_denied')
  const valid = await validate({
    accessToken: granted.body.accessToken,
    requirements: { contractAddress: passA },
  })
  t.equal(valid.status, 200)
})

t.test('Picket requirements inside a gate ({ picket }) are read and recorded', async (t) => {
  const gate = { picket: { chain: 'localhost', contractAddress: passA } }
  const granted = await authz({ accessToken: aliceToken, gate })
  t.equal(granted.status, 200, JSON.stringify(granted.body))
  t.same(Object.keys(factsOf(granted.body.accessToken)!), [A])
  const refused = await authz({ accessToken: bobToken, gate })
  t.equal(refused.status, 403)
  t.match(refused.body.msg, /Picket requirements on eip155:1337: not met/)
})

t.test('a gate on a wallet of another family is decided without a read', async (t) => {
  // Bob's EVM token vs a gate whose only part is Solana: not met, nothing read.
  resetProxies()
  const res = await authz({
    accessToken: bobToken,
    gate: { splToken: { chain: 'solana', mint: 'So11111111111111111111111111111111111111112' } },
  })
  t.equal(res.status, 403, JSON.stringify(res.body))
  t.equal(proxyA.posts.length + proxyB.posts.length, 0)
})
