/**
 * Attacks on the chain-read layer (multi-endpoint fallback, circuit breakers, pinned blocks,
 * shared/cached readings, the `blockNumber` claim). Principle: a gate opens only for what it
 * names; a client's request must not make the authority fail for everyone else.
 *
 * Tests titled "found and fixed" failed on the code as first reviewed (each comment names the
 * attack; the fixes: endpoint chain-id check, request-shaped failures never counted, `fresh`
 * reads for revalidate/refresh, the head's range check, chain errors kept by the ERC-1271
 * check); the others are attacks that held.
 */
import t from 'tap'
import type { Hex } from 'viem'
import { startDevChain } from '../../tools/devchain/index.js'
import { basicAuth, SIWE_PROJECT, startTestAuthority } from '../authority/support/authority.js'
import { startRpcProxy } from '../authority/support/rpc-proxy.js'
import { evmWallet, prepareEvmLogin, siweContext } from '../authority/support/wallets.js'

const dev = await startDevChain()
t.teardown(() => dev.close())
const a = await startRpcProxy(dev.rpcUrl)
const b = await startRpcProxy(dev.rpcUrl)
t.teardown(() => Promise.all([a.close(), b.close()]))
t.beforeEach(() => {
  for (const proxy of [a, b]) {
    proxy.setDown(false)
    proxy.setFault(undefined)
    proxy.reset()
  }
})

const coin = await dev.deployERC20({ decimals: 0 })
const local = { chain: 'localhost', context: siweContext({ chainId: dev.chainId }) }
const js = basicAuth.js(SIWE_PROJECT.publishableKey)

/** Deploys raw runtime bytecode (no Solidity): init code copies `runtime` and returns it. */
async function deployRaw(runtime: Hex): Promise<Hex> {
  const size = (runtime.length - 2) / 2
  if (size > 0xff) throw new Error('runtime too long for this init code')
  const s = size.toString(16).padStart(2, '0')
  // PUSH1 size PUSH1 0x0c PUSH1 0 CODECOPY PUSH1 size PUSH1 0 RETURN ++ runtime
  const init = `0x60${s}600c60003960${s}6000f3${runtime.slice(2)}` as Hex
  const deployer = dev.walletClient(dev.accounts[0]!.privateKey)
  const hash = await deployer.sendTransaction({
    data: init,
    account: deployer.account!,
    chain: deployer.chain,
  })
  const receipt = await dev.publicClient.waitForTransactionReceipt({ hash })
  return receipt.contractAddress!
}

t.test(
  'found and fixed: a fallback endpoint of another chain answers the gate when the first is down',
  async (t) => {
    // The operator lists a second endpoint that serves another chain (a copy-paste of a testnet
    // URL, a provider that re-pointed the URL, or a compromised fallback). The same deployer and
    // nonce — or any CREATE2 factory — give the same contract address on both chains, and on the
    // other chain anyone can mint. Only /readyz asks eth_chainId; the readers never do, so when
    // the first endpoint fails, the gate is decided on the other chain's state and the token
    // (chain "localhost", chainId 1337) carries that chain's balance.
    const other = await startDevChain({ chainId: 31337 })
    t.teardown(() => other.close())
    const otherCoin = await other.deployERC20({ decimals: 0 })
    t.equal(otherCoin, coin, 'same contract address on both chains (same deployer, same nonce)')

    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: [a.url, other.rpcUrl] } },
      chainReads: { breakerFailures: 1, breakerCooldownSeconds: 30 },
      rpcTimeout: 3000,
    })
    t.teardown(() => authority.close())

    const attacker = evmWallet() // holds nothing of `coin` on chain 1337
    await other.mintERC20(otherCoin, attacker.address, 1000n) // free on the other chain
    t.equal(
      await dev.publicClient.readContract({
        address: coin,
        abi: [
          {
            type: 'function',
            name: 'balanceOf',
            stateMutability: 'view',
            inputs: [{ type: 'address' }],
            outputs: [{ type: 'uint256' }],
          },
        ],
        functionName: 'balanceOf',
        args: [attacker.address],
      }),
      0n,
      'the configured chain says: no tokens',
    )

    const login = await prepareEvmLogin(authority, attacker, {
      ...local,
      requirements: { contractAddress: coin },
    })
    a.setDown(true) // the first endpoint fails (or is made to fail); the fallback answers
    const res = await authority.call('POST', 'auth', { body: login.body, auth: js })
    t.comment(`login: ${res.status} ${JSON.stringify(res.body.user ?? res.body)}`)
    t.not(res.status, 200, "no token from another chain's balances (expected 424/503, never a pass)")
  },
)

t.test(
  'held: a contract that hits an invalid JUMP (a VM error that is not a revert) opens no endpoint',
  async (t) => {
    // Runtime `PUSH1 0 JUMP`: the node answers every eth_call with "VM Exception ... invalid JUMP"
    // (ganache) / "invalid jump destination" (geth), which isContractLevelFailure does not list.
    // Before the 'inconclusive' classification this counted against each endpoint; detection's
    // three parallel eth_calls opened every endpoint with ONE login. Now: not counted.
    const jumper = await deployRaw('0x600056')
    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: [a.url, b.url] } },
      chainReads: { breakerFailures: 1, breakerCooldownSeconds: 30 },
      rpcTimeout: 5000,
    })
    t.teardown(() => authority.close())
    for (let i = 0; i < 3; i++) {
      const attacker = evmWallet()
      const evil = await prepareEvmLogin(authority, attacker, {
        ...local,
        requirements: { contractAddress: jumper },
      })
      const attack = await authority.call('POST', 'auth', { body: evil.body, auth: js })
      t.not(attack.status, 500, `attacker ${i}: ${attack.status} ${attack.body.code}`)
    }
    const victim = evmWallet()
    await dev.mintERC20(coin, victim.address, 2n)
    const login = await prepareEvmLogin(authority, victim, {
      ...local,
      requirements: { contractAddress: coin },
    })
    const res = await authority.call('POST', 'auth', { body: login.body, auth: js })
    t.equal(
      res.status,
      200,
      `a holder's gated login still works (${res.status} ${JSON.stringify(res.body).slice(0, 200)})`,
    )
  },
)

t.test(
  'found and fixed: a Solana wallet whose own DAS answer is large opens every endpoint: 503 for all Solana gates',
  async (t) => {
    // Solana reads count a transport failure that is not a timeout as the endpoint's fault
    // (classifySolanaFailure: JsonRpcTransportError && !timedOut → 'endpoint'). A response body
    // over callJsonRpc's 10 MiB cap is such a failure (viem ResponseBodyTooLargeError, wrapped
    // as a JsonRpcTransportError) — but its size is chosen by the *question*: searchAssets
    // returns up to 1000 assets of the wallet, each with the off-chain JSON metadata the DAS
    // indexer fetched from a URI the asset's creator picked (compressed NFTs cost fractions of a
    // cent to mint). getTokenAccountsByOwner is the same with many token accounts of one mint.
    // The attacker logs in with its own wallet and a requirement on its own collection: every
    // endpoint answers the same huge page, each is counted, breakerFailures requests later every
    // endpoint is open and every other wallet's Solana gate is refused with 503 for the cooldown.
    const { createServer } = await import('node:http')
    const { createBalanceReader, createChainRegistry, ChainEndpointsDownError } = await import(
      '../../packages/authority/src/chains/index.js'
    )
    const { normalizeRequirements } = await import('../../packages/core/src/core/requirements.js')
    const { solanaWallet } = await import('../authority/support/wallets.js')
    const attacker = solanaWallet().address
    const victim = solanaWallet().address
    const collection = solanaWallet().address
    // A DAS-capable Solana RPC (two providers indexing the same chain): honest answers.
    const bigAsset = { interface: 'V1_NFT', content: { metadata: { description: 'x'.repeat(12_000) } } }
    const startNode = async () => {
      const server = createServer(async (req, res) => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          id: number
          method: string
          params: { ownerAddress?: string }
        }
        const items =
          call.params.ownerAddress === attacker ? Array.from({ length: 1000 }, () => bigAsset) : [{}]
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { total: items.length, items } }))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`
    }
    const urls = [await startNode(), await startNode()]
    const reader = createBalanceReader({ timeout: 10_000, breakerFailures: 3, breakerCooldownMs: 30_000 })
    t.teardown(() => reader.close?.())
    const chain = createChainRegistry({ solana: { rpcUrls: urls } }).get('solana')!
    const requirements = normalizeRequirements({ collection: [collection] })

    t.equal(
      (await reader.readBalances(chain, victim, requirements)).tokenBalances.collection?.[collection],
      '1',
    )
    for (let i = 0; i < 3; i++) {
      const error = await reader.readBalances(chain, attacker, requirements).catch((e: unknown) => e)
      t.comment(
        `attacker read ${i}: ${(error as Error).constructor.name} ${(error as Error).message?.slice(0, 120)}`,
      )
    }
    t.same(reader.breakers?.openEndpoints(), [], "the attacker's own large answers open no endpoint")
    const after = await reader.readBalances(chain, victim, requirements).catch((e: unknown) => e)
    t.notOk(
      after instanceof ChainEndpointsDownError,
      `the victim's gate is still read (got ${(after as Error).message ?? 'a reading'})`,
    )
  },
)

t.test(
  'found and fixed: with the balance cache on, /authz `revalidate: true` passes on a balance already transferred away',
  async (t) => {
    // /authz documents `revalidate` as "Force a fresh chain read"; a relying party uses it right
    // before a sensitive action precisely because the token's balances may be stale. With
    // chainReads.balanceCacheSeconds > 0 the reader answers the same (chain, wallet, contract)
    // from its cache — revalidate included — so a wallet that has just moved its tokens away
    // (to a second wallet, which can then log in too) is re-authorized on the old reading.
    const token = await dev.deployERC20({ decimals: 0 })
    const holder = dev.accounts[2]!
    const account = (await import('viem/accounts')).privateKeyToAccount(holder.privateKey)
    await dev.mintERC20(token, holder.address, 2n)
    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: [a.url] } },
      chainReads: { balanceCacheSeconds: 60 },
      rpcTimeout: 5000,
    })
    t.teardown(() => authority.close())
    const login = await prepareEvmLogin(authority, account, {
      ...local,
      requirements: { contractAddress: token },
    })
    const res = await authority.call('POST', 'auth', { body: login.body, auth: js })
    t.equal(res.status, 200, 'holder logs in')

    await dev.transferERC20(token, holder.privateKey, evmWallet().address, 2n) // balance now 0
    const again = await authority.call('POST', 'authz', {
      body: { accessToken: res.body.accessToken, requirements: { contractAddress: token }, revalidate: true },
    })
    t.comment(`revalidate: ${again.status} ${JSON.stringify(again.body.user?.tokenBalances ?? again.body)}`)
    t.equal(again.status, 403, 'a forced fresh read sees the transfer (expected 403 permission_denied)')
  },
)

const VALID_CLAIMS = {
  chain: 'localhost',
  walletAddress: '0x1',
  displayAddress: '0x1',
  iss: 'i',
  sub: 's',
  aud: 'a',
  tid: 't',
  iat: 1,
  exp: 2,
  ver: 1,
  tokenBalances: {},
}

/** A loopback JSON-RPC endpoint in front of the dev chain that lies about the head. */
async function startLyingHead(head: (real: bigint) => string, rewriteCallBlock: boolean) {
  const { createServer } = await import('node:http')
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      id: number
      method: string
      params?: unknown[]
    }
    let answer: unknown
    if (call.method === 'eth_blockNumber') {
      answer = { jsonrpc: '2.0', id: call.id, result: head(await dev.publicClient.getBlockNumber()) }
    } else {
      if (rewriteCallBlock && call.method === 'eth_call' && call.params) call.params[1] = 'latest'
      const upstream = await fetch(dev.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call),
      })
      answer = await upstream.json()
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

t.test(
  'held: a head in the future or garbage is never a pass (424), and opens nothing wrongly',
  async (t) => {
    const { createBalanceReader, createChainRegistry, ChainUnavailableError } = await import(
      '../../packages/authority/src/chains/index.js'
    )
    const { normalizeRequirements } = await import('../../packages/core/src/core/requirements.js')
    const holder = evmWallet()
    await dev.mintERC20(coin, holder.address, 5n)
    const requirements = normalizeRequirements({ contractAddress: coin })
    for (const [name, head] of [
      ['future', (real: bigint) => `0x${(real + 1000n).toString(16)}`],
      ['garbage', () => '0xzz'],
      ['not hex', () => 'latest'],
    ] as const) {
      const node = await startLyingHead(head, false)
      t.teardown(node.close)
      const reader = createBalanceReader({ timeout: 3000, breakerFailures: 1, breakerCooldownMs: 30_000 })
      t.teardown(() => reader.close?.())
      const chain = createChainRegistry({ localhost: { rpcUrls: [node.url, b.url] } }).get('localhost')!
      const outcome = await reader.readBalances(chain, holder.address, requirements).catch((e: unknown) => e)
      t.comment(
        `${name}: ${outcome instanceof Error ? `${outcome.constructor.name}: ${outcome.message.slice(0, 100)}` : JSON.stringify(outcome)}`,
      )
      t.type(outcome, ChainUnavailableError, `${name} head: chain unavailable, not a reading`)
    }
  },
)

t.test(
  'found and fixed: a head above 2^53 is put in the token as an unsafe blockNumber the verifiers refuse',
  async (t) => {
    // evm-balances returns `blockNumber: Number(blockNumber)` without a range check. A node that
    // answers eth_blockNumber above Number.MAX_SAFE_INTEGER (a broken or hostile endpoint — here
    // it also answers the eth_call so the read "succeeds") makes the authority sign a token whose
    // `blockNumber` claim core's accessTokenClaimsProblem refuses: the login answers 200 with a
    // token no relying party (nor /authz) accepts, instead of a 424.
    const { createBalanceReader, createChainRegistry } = await import(
      '../../packages/authority/src/chains/index.js'
    )
    const { normalizeRequirements } = await import('../../packages/core/src/core/requirements.js')
    const { accessTokenClaimsProblem } = await import('../../packages/core/src/core/access-token-claims.js')
    t.match(
      accessTokenClaimsProblem({ ...VALID_CLAIMS, blockNumber: 2 ** 53 + 2 }),
      /blockNumber/,
      'core refuses such a claim',
    )
    const holder = evmWallet()
    await dev.mintERC20(coin, holder.address, 5n)
    const node = await startLyingHead(() => '0x20000000000002', true)
    t.teardown(node.close)
    const reader = createBalanceReader({ timeout: 3000 })
    t.teardown(() => reader.close?.())
    const chain = createChainRegistry({ localhost: { rpcUrls: [node.url] } }).get('localhost')!
    const outcome = await reader
      .readBalances(chain, holder.address, normalizeRequirements({ contractAddress: coin }))
      .catch((e: unknown) => e)
    const block = (outcome as { blockNumber?: number }).blockNumber
    t.comment(`reading: ${outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`)
    t.ok(
      outcome instanceof Error || block === undefined || Number.isSafeInteger(block),
      `a reading never carries an unsafe block number (got ${block})`,
    )

    // Through the authority: what the wallet and the relying party see.
    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: [node.url] } },
      rpcTimeout: 3000,
    })
    t.teardown(() => authority.close())
    const login = await prepareEvmLogin(authority, holder, {
      ...local,
      requirements: { contractAddress: coin },
    })
    const res = await authority.call('POST', 'auth', { body: login.body, auth: js })
    t.comment(`login: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`)
    t.not(res.status, 500, 'never a 500')
    if (res.status === 200) {
      const { decodeJwt } = await import('jose')
      const claims = decodeJwt(res.body.accessToken as string)
      t.equal(
        accessTokenClaimsProblem(claims),
        undefined,
        'a token the authority signs passes its own claim rules',
      )
      const authz = await authority.call('POST', 'authz', {
        body: { accessToken: res.body.accessToken, requirements: {} },
      })
      t.comment(`/authz with that token: ${authz.status} ${JSON.stringify(authz.body).slice(0, 160)}`)
    }
  },
)

t.test('held: core refuses malformed blockNumber claims', async (t) => {
  const { accessTokenClaimsProblem } = await import('../../packages/core/src/core/access-token-claims.js')
  t.equal(accessTokenClaimsProblem({ ...VALID_CLAIMS, blockNumber: 0 }), undefined, 'block 0 is fine')
  t.equal(
    accessTokenClaimsProblem({ ...VALID_CLAIMS, blockNumber: 2 ** 53 - 1 }),
    undefined,
    'max safe is fine',
  )
  for (const bad of [
    -1,
    1.5,
    2 ** 53,
    '5',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
    [1],
    { n: 1 },
  ]) {
    t.match(
      accessTokenClaimsProblem({ ...VALID_CLAIMS, blockNumber: bad }),
      /blockNumber/,
      `blockNumber ${JSON.stringify(bad)}`,
    )
  }
})

t.test(
  'found and fixed: a contract-wallet login during an RPC outage is told "invalid signature" (401), not 424/503',
  async (t) => {
    // signatures/evm.ts askChain() maps only HttpRequestError/TimeoutError to "chain unavailable";
    // every other failure is "the wallet rejects the signature". The new transport throws
    // ChainEndpointsDownError (every endpoint open) and passes provider JSON-RPC errors
    // (-32603 "upstream overloaded") through, neither of which askChain recognises: the wallet
    // is blamed with 401 signature_invalid, the app drops the session, and no Retry-After is sent.
    const owner = evmWallet()
    const wallet = await dev.deployERC1271Wallet(owner.address)
    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: [a.url] } },
      chainReads: { breakerFailures: 1, breakerCooldownSeconds: 30 },
      rpcTimeout: 3000,
    })
    t.teardown(() => authority.close())
    const ok = await prepareEvmLogin(authority, owner, { ...local, walletAddress: wallet })
    t.equal((await authority.call('POST', 'auth', { body: ok.body, auth: js })).status, 200, 'works while up')

    a.setFault('rpc-error')
    const first = await prepareEvmLogin(authority, owner, { ...local, walletAddress: wallet })
    const overloaded = await authority.call('POST', 'auth', { body: first.body, auth: js })
    t.comment(`provider -32603: ${overloaded.status} ${JSON.stringify(overloaded.body)}`)
    t.not(overloaded.status, 401, 'a provider outage is not an invalid signature')
    const second = await prepareEvmLogin(authority, owner, { ...local, walletAddress: wallet })
    const down = await authority.call('POST', 'auth', { body: second.body, auth: js })
    t.comment(
      `every endpoint open: ${down.status} ${JSON.stringify(down.body)} retry-after=${down.headers.get('retry-after')}`,
    )
    t.equal(down.status, 503, 'every endpoint open: 503 + Retry-After, as for balance reads')
  },
)

t.test('held: id forms, duplicates and contract casings never share an answer they should not', async (t) => {
  const { createBalanceReader, createChainRegistry } = await import(
    '../../packages/authority/src/chains/index.js'
  )
  const { normalizeRequirements } = await import('../../packages/core/src/core/requirements.js')
  const nft = await dev.deployERC721()
  const alice = evmWallet()
  const bob = evmWallet()
  await dev.mintERC721(nft, alice.address, 1n)
  await dev.mintERC721(nft, bob.address, 2n)
  const reader = createBalanceReader({ timeout: 5000, balanceCacheMs: 60_000 })
  t.teardown(() => reader.close?.())
  const chain = createChainRegistry({ localhost: { rpcUrls: [b.url] } }).get('localhost')!
  const lower = nft.toLowerCase()
  const q = (contractAddress: string, tokenIds: string[]) =>
    normalizeRequirements({ contractAddress, tokenIds })
  const [dup, aliceLower, bobSame, bobOther] = await Promise.all([
    reader.readBalances(chain, alice.address, q(nft, ['1', '0x1', '01', '0x01'])),
    reader.readBalances(chain, alice.address.toLowerCase(), q(lower, ['1'])),
    reader.readBalances(chain, bob.address, q(nft, ['1'])),
    reader.readBalances(chain, bob.address, q(nft, ['1', '2'])),
  ])
  t.same(dup.tokenBalances.contractAddress, { [nft]: '1' }, 'one id in four spellings counts once')
  t.same(aliceLower.tokenBalances.contractAddress, { [lower]: '1' }, 'reported under the casing asked')
  t.same(bobSame.tokenBalances.contractAddress, { [nft]: '0' }, "alice's reading is not bob's")
  t.same(bobOther.tokenBalances.contractAddress, { [nft]: '1' })
  // From the cache now: the same holds.
  const again = await reader.readBalances(chain, bob.address, q(lower, ['0x1']))
  t.same(
    again.tokenBalances.contractAddress,
    { [lower]: '0' },
    'cache: other wallet, other casing, other answer',
  )
})

t.test(
  'held: a contract that is slow to execute costs one timeout (not one per endpoint) and never opens a circuit',
  async (t) => {
    // The 'inconclusive' rule keeps a client from opening circuits with a gas-burning contract, but
    // each such eth_call is now tried on EVERY endpoint in turn. Simulated here by endpoints that
    // hold eth_calls to one contract past the timeout (a node executing a gas-burner; geth gives
    // up at its rpc.evmtimeout, 5 s, the same as the authority's default timeout).
    const { createServer } = await import('node:http')
    const slow = (await dev.deployERC20({ decimals: 0 })).toLowerCase()
    let slowCalls = 0
    const startSlow = async () => {
      const server = createServer(async (req, res) => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const body = Buffer.concat(chunks).toString('utf8')
        const call = JSON.parse(body) as { method: string; params?: [{ to?: string }] }
        if (call.method === 'eth_call' && call.params?.[0]?.to?.toLowerCase() === slow) {
          slowCalls++
          await new Promise((resolve) => setTimeout(resolve, 1500))
        }
        try {
          const upstream = await fetch(dev.rpcUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          })
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(await upstream.text())
        } catch {
          // The dev chain already stopped (a held call outlived the test): cut this connection.
          req.socket.destroy()
        }
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      t.teardown(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          }),
      )
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`
    }
    const urls = [await startSlow(), await startSlow(), await startSlow()]
    const authority = await startTestAuthority({
      chains: { localhost: { rpcUrls: urls } },
      chainReads: { breakerFailures: 1, breakerCooldownSeconds: 30 },
      rpcTimeout: 300,
    })
    t.teardown(() => authority.close())
    const attacker = evmWallet()
    const login = await prepareEvmLogin(authority, attacker, {
      ...local,
      requirements: { contractAddress: slow },
    })
    const started = performance.now()
    const res = await authority.call('POST', 'auth', { body: login.body, auth: js })
    const ms = performance.now() - started
    t.comment(
      `one login: ${res.status} ${res.body.code} after ${ms.toFixed(0)} ms; slow eth_calls sent: ${slowCalls} (3 endpoints, timeout 300 ms)`,
    )
    t.not(res.status, 500)
  },
)
