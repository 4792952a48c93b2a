/**
 * One signature check for every wallet type (issue 14), through the real authority
 * (`POST /auth/nonce` + `POST /auth`) on a real in-process EVM with real signatures:
 *
 *   - an ordinary wallet (EOA) is recovered locally: its login makes no RPC call at all;
 *   - a deployed contract wallet (Safe-like owner check) answers ERC-1271 on the chain;
 *   - a counterfactual account (CREATE2 factory, no code yet) signs with an EIP-6492 wrapper,
 *     checked by the deployless universal validator in an eth_call: it stays undeployed;
 *   - anyone but the owner is refused (401); an RPC outage during a contract-wallet login is a
 *     424 that leaves the nonce alive, never a 401 and never a pass;
 *   - hostile wallets: an echoing "wallet" behind a 6492 wrapper, and one whose isValidSignature
 *     reverts with a CCIP-Read OffchainLookup (the authority must not fetch its URL).
 *
 * The chain is reached only through a counting proxy (support/rpc-proxy.ts), which records every
 * JSON-RPC call the authority makes and can cut the connection to play an outage.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt } from 'jose'
import t from 'tap'
import { type Address, encodeFunctionData, type Hex, keccak256, serializeErc6492Signature, toHex } from 'viem'
import { demoAccountFactoryAbi, startDevChain } from '../../tools/devchain/index.js'
import { startTestAuthority, type TestAuthority } from './support/authority.js'
import { startRpcProxy } from './support/rpc-proxy.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

const chain = await startDevChain()
t.teardown(() => chain.close())
const proxy = await startRpcProxy(chain.rpcUrl)
t.teardown(() => proxy.close())
const authority = await startTestAuthority({
  chains: { localhost: { rpcUrl: proxy.url } },
  rpcTimeout: 3000,
  rateLimit: false,
  // The outage test wants the chain back at once: circuit breakers have their own suite
  // (chains/rpc-resilience.test.ts, security/chain-reads-attacks.test.ts).
  chainReads: { breakerFailures: 100 },
})
t.teardown(() => authority.close())

const local = { chain: 'localhost', context: siweContext({ chainId: 1337 }) }
const factory = await chain.deployAccountFactory()

/** Where hostile contracts' EIP-3668 OffchainLookup reverts point: it counts who comes. */
const ccipTarget = await (async () => {
  const state = { url: '', fetched: 0 }
  const server = createServer((_req, res) => {
    state.fetched++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ data: `0x1626ba7e${'0'.repeat(56)}` }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{sender}/{data}`
  return state
})()

/** A counterfactual account of `owner`: its address, and the factory call that would deploy it. */
async function counterfactualAccount(owner: Address, label: string) {
  const salt = keccak256(toHex(label))
  const address = await chain.publicClient.readContract({
    address: factory,
    abi: demoAccountFactoryAbi,
    functionName: 'getAccountAddress',
    args: [owner, salt],
  })
  const factoryData = encodeFunctionData({
    abi: demoAccountFactoryAbi,
    functionName: 'createAccount',
    args: [owner, salt],
  })
  return { address, factoryData }
}

/** The owner's `personal_sign` of the message, wrapped for a not-yet-deployed account (EIP-6492). */
function wrap6492(signature: unknown, factoryData: Hex, factoryAddress: Address = factory): Hex {
  return serializeErc6492Signature({
    address: factoryAddress,
    data: factoryData,
    signature: signature as Hex,
  })
}

async function login(target: TestAuthority, body: Record<string, unknown>) {
  return target.call('POST', 'auth', { body })
}

t.test('an EOA signs in with zero RPC calls, even while the RPC is down', async (t) => {
  const wallet = evmWallet()
  const signed = await prepareEvmLogin(authority, wallet, local)
  proxy.reset()
  const res = await login(authority, signed.body)
  t.equal(res.status, 200, res.body.msg)
  t.equal(res.body.user.walletAddress, wallet.address)
  t.same(proxy.methods, [], 'no JSON-RPC call reached the chain for an EOA login')
  t.equal(proxy.refused, 0)

  // The same with the chain unreachable: an EOA never needs it.
  proxy.setDown(true)
  t.teardown(() => proxy.setDown(false))
  const offline = await prepareEvmLogin(authority, evmWallet(), local)
  const ok = await login(authority, offline.body)
  proxy.setDown(false)
  t.equal(ok.status, 200, ok.body.msg)
  t.equal(proxy.refused, 0, 'not even attempted')
  t.same(proxy.methods, [])
})

t.test('a deployed ERC-1271 wallet signs in through its owner; anyone else is refused', async (t) => {
  const owner = evmWallet()
  const wallet = await chain.deployERC1271Wallet(owner.address)

  const signed = await prepareEvmLogin(authority, owner, { ...local, walletAddress: wallet })
  proxy.reset()
  const res = await login(authority, signed.body)
  t.equal(res.status, 200, res.body.msg)
  t.equal(res.body.user.walletAddress, wallet)
  t.equal(decodeJwt(res.body.accessToken).sub, `localhost:${wallet}`)
  // The endpoint proves its chain id once, before its first answer is used (chains/evm-clients.ts).
  t.same(
    proxy.methods.filter((method) => method !== 'eth_chainId'),
    ['eth_getCode', 'eth_call'],
    'code check, then isValidSignature',
  )
  t.ok(proxy.methods.filter((method) => method === 'eth_chainId').length <= 1)

  const impostor = await prepareEvmLogin(authority, evmWallet(), { ...local, walletAddress: wallet })
  const no = await login(authority, impostor.body)
  t.equal(no.status, 401)
  t.equal(no.body.code, 'signature_invalid')
  t.match(no.body.msg, /invalid signature/i)
})

t.test('an undeployed account signs in with an EIP-6492 signature and stays undeployed', async (t) => {
  const owner = evmWallet()
  const account = await counterfactualAccount(owner.address, 'alice-account')
  t.equal(await chain.publicClient.getCode({ address: account.address }), undefined, 'no code yet')
  const blockBefore = await chain.publicClient.getBlockNumber()

  const signed = await prepareEvmLogin(authority, owner, { ...local, walletAddress: account.address })
  proxy.reset()
  const res = await login(authority, {
    ...signed.body,
    signature: wrap6492(signed.body.signature, account.factoryData),
  })
  t.equal(res.status, 200, res.body.msg)
  t.equal(res.body.user.walletAddress, account.address)
  t.equal(decodeJwt(res.body.accessToken).walletAddress, account.address)
  t.same(proxy.methods, ['eth_call'], 'one eth_call of the deployless validator, no transaction')
  t.equal(await chain.publicClient.getCode({ address: account.address }), undefined, 'still no code')
  t.equal(await chain.publicClient.getBlockNumber(), blockBefore, 'no block was mined')

  // Someone else's signature in the same wrapper (the factory call is public data).
  const impostor = evmWallet()
  const forged = await prepareEvmLogin(authority, impostor, { ...local, walletAddress: account.address })
  const no = await login(authority, {
    ...forged.body,
    signature: wrap6492(forged.body.signature, account.factoryData),
  })
  t.equal(no.status, 401, 'a wrong owner is refused')
  t.equal(no.body.code, 'signature_invalid')

  // The impostor's own factory call deploys the impostor's account, elsewhere: not this address.
  const theirs = await counterfactualAccount(impostor.address, 'alice-account')
  const elsewhere = await prepareEvmLogin(authority, impostor, { ...local, walletAddress: account.address })
  const no2 = await login(authority, {
    ...elsewhere.body,
    signature: wrap6492(elsewhere.body.signature, theirs.factoryData),
  })
  t.equal(no2.status, 401, 'a factory call that deploys another account proves nothing for this one')

  // A bare (unwrapped) owner signature for an address with no code: nothing can vouch for it.
  const bare = await prepareEvmLogin(authority, owner, { ...local, walletAddress: account.address })
  t.equal((await login(authority, bare.body)).status, 401)
  t.equal(await chain.publicClient.getCode({ address: account.address }), undefined)
})

t.test('a 6492 signature still signs in once the account is deployed', async (t) => {
  const owner = evmWallet()
  const account = await counterfactualAccount(owner.address, 'deployed-later')
  const hash = await chain.walletClient(chain.accounts[0]!.privateKey).writeContract({
    address: factory,
    abi: demoAccountFactoryAbi,
    functionName: 'createAccount',
    args: [owner.address, keccak256(toHex('deployed-later'))],
  })
  await chain.publicClient.waitForTransactionReceipt({ hash })
  t.ok(await chain.publicClient.getCode({ address: account.address }), 'deployed now')

  const signed = await prepareEvmLogin(authority, owner, { ...local, walletAddress: account.address })
  const wrapped = await login(authority, {
    ...signed.body,
    signature: wrap6492(signed.body.signature, account.factoryData),
  })
  t.equal(wrapped.status, 200, wrapped.body.msg)

  const plain = await prepareEvmLogin(authority, owner, { ...local, walletAddress: account.address })
  t.equal((await login(authority, plain.body)).status, 200, 'and with the plain ERC-1271 signature')
})

t.test('RPC down during a contract-wallet login: 424, never 401, and the nonce survives', async (t) => {
  const owner = evmWallet()
  const deployed = await chain.deployERC1271Wallet(owner.address)
  const account = await counterfactualAccount(owner.address, 'outage')
  const deployedLogin = await prepareEvmLogin(authority, owner, { ...local, walletAddress: deployed })
  const accountLogin = await prepareEvmLogin(authority, owner, { ...local, walletAddress: account.address })
  const accountBody = {
    ...accountLogin.body,
    signature: wrap6492(accountLogin.body.signature, account.factoryData),
  }
  // A wrong owner while the chain is down is not knowable either: 424 too, not a guess.
  const impostor = await prepareEvmLogin(authority, evmWallet(), {
    ...local,
    walletAddress: (await counterfactualAccount(owner.address, 'outage-2')).address,
  })

  proxy.setDown(true)
  t.teardown(() => proxy.setDown(false))
  for (const [name, body] of [
    ['deployed ERC-1271', deployedLogin.body],
    ['EIP-6492', accountBody],
    ['unknown signer', impostor.body],
  ] as const) {
    const res = await login(authority, body)
    t.equal(res.status, 424, `${name}: ${JSON.stringify(res.body)}`)
    t.equal(res.body.code, 'chain_unavailable')
  }
  t.ok(proxy.refused >= 3, 'the chain was asked, and could not answer')
  proxy.setDown(false)

  // The same signatures, once the chain is back: the nonce was not spent by the outage.
  t.equal((await login(authority, deployedLogin.body)).status, 200)
  t.equal((await login(authority, accountBody)).status, 200)
  t.equal((await login(authority, impostor.body)).status, 401)
})

t.test('a contract wallet on a chain without an RPC URL is refused, without a pass', async (t) => {
  const owner = evmWallet()
  const wallet = await chain.deployERC1271Wallet(owner.address)
  const signed = await prepareEvmLogin(authority, owner, { walletAddress: wallet })
  const res = await login(authority, signed.body)
  t.equal(res.status, 401, 'ethereum has no rpcUrl here: only EOA signatures can be checked')
})

t.test('hostile wallets: an echo behind a 6492 wrapper, a CCIP-Read revert', async (t) => {
  const owner = evmWallet()
  const echo = await chain.deployEchoWallet()
  const account = await counterfactualAccount(owner.address, 'echo')
  const signed = await prepareEvmLogin(authority, owner, { ...local, walletAddress: echo })
  const wrapped = await login(authority, {
    ...signed.body,
    signature: wrap6492(signed.body.signature, account.factoryData),
  })
  t.equal(wrapped.status, 401, 'the validator wants the exact magic value too')

  // EIP-3668: isValidSignature reverts with OffchainLookup naming a URL; following it would let
  // any wallet make the authority send HTTP requests wherever it likes.
  const lookup = await chain.deployOffchainLookupWallet(ccipTarget.url)
  const ccip = await prepareEvmLogin(authority, owner, { ...local, walletAddress: lookup })
  const res = await login(authority, ccip.body)
  t.equal(res.status, 401, res.body.msg)
  t.equal(ccipTarget.fetched, 0, 'the authority never followed the OffchainLookup URL')

  const ccipWrapped = await prepareEvmLogin(authority, owner, { ...local, walletAddress: lookup })
  const res2 = await login(authority, {
    ...ccipWrapped.body,
    signature: wrap6492(ccipWrapped.body.signature, account.factoryData),
  })
  t.equal(res2.status, 401)
  t.equal(ccipTarget.fetched, 0)
})

t.test('a "token" that answers with a CCIP-Read revert is not followed either', async (t) => {
  const lookup = await chain.deployOffchainLookupWallet(ccipTarget.url)
  const holder = evmWallet()
  const ownership = await authority.call(
    'POST',
    `chains/localhost/wallets/${holder.address}/tokenOwnership`,
    {
      body: { contractAddress: lookup },
    },
  )
  t.equal(ownership.status, 400, 'a contract that answers as no token is no token')
  t.match(ownership.body.msg, /not a supported token contract/)
  const signed = await prepareEvmLogin(authority, holder, {
    ...local,
    requirements: { contractAddress: lookup },
  })
  const res = await login(authority, signed.body)
  t.equal(res.status, 400, res.body.msg)
  t.equal(ccipTarget.fetched, 0, 'no balance or interface read followed the OffchainLookup URL')
})
