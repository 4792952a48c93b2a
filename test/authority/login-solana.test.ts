import { decodeJwt } from 'jose'
import { createSigningMessage } from 'picket-core'
import t from 'tap'
import { startSolanaRpcServer } from './chains/fixtures/solana-rpc-server.js'
import {
  basicAuth,
  SIMPLE_PROJECT,
  SIWE_PROJECT,
  startTestAuthority,
  type TestAuthority,
} from './support/authority.js'
import { siweContext, solanaWallet } from './support/wallets.js'

/**
 * Solana login with real ed25519 keys (@noble/curves) and base58 signatures, as wallet-adapter
 * + picket-js produce them. No Solana validator runs here, so balances come from a loopback
 * JSON-RPC server answering with the documented shapes of `getTokenAccountsByOwner` and DAS
 * `searchAssets` (the chain layer's own test fixture).
 */
const rpc = await startSolanaRpcServer()
t.teardown(() => rpc.close())
const authority = await startTestAuthority({ chains: { solana: { rpcUrl: rpc.url, dasUrl: rpc.url } } })
t.teardown(() => authority.close())

const solanaContext = () => siweContext({ chainId: 101, chainType: 'solana' })

async function signIn(
  target: TestAuthority,
  wallet: ReturnType<typeof solanaWallet>,
  options: {
    auth?: string
    requirements?: unknown
    context?: Record<string, unknown>
    nonceBody?: unknown
  } = {},
) {
  const nonce = await target.call('POST', 'auth/nonce', {
    body: options.nonceBody ?? { chain: 'solana', walletAddress: wallet.address, locale: 'en-US' },
    ...(options.auth ? { auth: options.auth } : {}),
  })
  const context = options.context ?? solanaContext()
  const message = createSigningMessage({
    format: nonce.body.format,
    statement: nonce.body.statement,
    walletAddress: wallet.address,
    nonce: nonce.body.nonce,
    domain: context.domain as string,
    uri: context.uri as string,
    chainId: context.chainId as number,
    issuedAt: context.issuedAt as string,
    chainType: 'solana',
  })
  const body = {
    chain: 'solana',
    walletAddress: wallet.address,
    signature: wallet.sign(message),
    requirements: options.requirements ?? {},
    context,
  }
  return { message, body }
}

t.test(
  'SIWE login on Solana: "Solana account" header, ed25519 signature, sub solana:<address>',
  async (t) => {
    const wallet = solanaWallet()
    const { message, body } = await signIn(authority, wallet)
    t.match(message, /wants you to sign in with your Solana account:/)
    const res = await authority.call('POST', 'auth', {
      body,
      auth: basicAuth.js(SIWE_PROJECT.publishableKey),
    })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.same(res.body.user, {
      chain: 'solana',
      walletAddress: wallet.address,
      displayAddress: wallet.address,
      tokenBalances: {},
    })
    t.equal(decodeJwt(res.body.accessToken).sub, `solana:${wallet.address}`)
  },
)

t.test('a signature by another key, or over the Ethereum-worded text, is refused', async (t) => {
  const wallet = solanaWallet()
  const { message, body } = await signIn(authority, wallet)
  const forged = await authority.call('POST', 'auth', {
    body: { ...body, signature: solanaWallet().sign(message) },
  })
  t.equal(forged.status, 401)
  t.match(forged.body.msg, /invalid signature/i)
  const ethereumWorded = await authority.call('POST', 'auth', {
    body: { ...body, signature: wallet.sign(message.replaceAll('Solana', 'Ethereum')) },
  })
  t.equal(ethereumWorded.status, 401)
  const garbage = await authority.call('POST', 'auth', { body: { ...body, signature: '0OIl' } })
  t.equal(garbage.status, 401)
  t.equal((await authority.call('POST', 'auth', { body })).status, 200, 'the genuine signature still works')
})

t.test('picket-go nonce body: wallet_address, locale "", then a simple-format login', async (t) => {
  const wallet = solanaWallet()
  const go = basicAuth.go(SIMPLE_PROJECT.secretKey)
  const { body } = await signIn(authority, wallet, {
    auth: go,
    nonceBody: { chain: 'solana', wallet_address: wallet.address, locale: '' },
    context: { domain: '', uri: '', chainId: '', issuedAt: '', chainType: '', locale: '' },
  })
  const res = await authority.call('POST', 'auth', { body, auth: go, headers: { 'user-agent': 'picket-go' } })
  t.equal(res.status, 200, JSON.stringify(res.body))
})

t.test('Solana addresses are case-sensitive and must decode to 32 bytes', async (t) => {
  const bad = await authority.call('POST', 'auth/nonce', {
    body: { chain: 'solana', walletAddress: '0xabc' },
  })
  t.equal(bad.status, 400)
  t.equal(bad.body.code, 'parameter_invalid')
  t.match(bad.body.msg, /walletAddress/)
})

t.test('Solana token gating: tokenIds, collection as string and as array, creatorAddress', async (t) => {
  const wallet = solanaWallet()
  const mint = solanaWallet().address
  const collection = solanaWallet().address
  const otherCollection = solanaWallet().address
  const creator = solanaWallet().address
  rpc.state.tokenAccounts[wallet.address] = {
    [mint]: [{ amount: '1500', decimals: 3, uiAmountString: '1.5' }],
  }
  rpc.state.collections[wallet.address] = { [collection]: 2 }
  rpc.state.creators[wallet.address] = { [creator]: 1 }

  const byMint = await signIn(authority, wallet, {
    requirements: { tokenIds: [mint], minTokenBalance: '1.5' },
  })
  const mintRes = await authority.call('POST', 'auth', { body: byMint.body })
  t.equal(mintRes.status, 200, JSON.stringify(mintRes.body))
  t.same(mintRes.body.user.tokenBalances, { tokenIds: { [mint]: '1.5' } })

  const byCollectionString = await signIn(authority, wallet, { requirements: { collection } })
  const stringRes = await authority.call('POST', 'auth', { body: byCollectionString.body })
  t.equal(stringRes.status, 200, JSON.stringify(stringRes.body))
  t.same(stringRes.body.user.tokenBalances, { collection: { [collection]: '2' } })

  const byCollectionArray = await signIn(authority, wallet, {
    requirements: { collection: [otherCollection, collection], minTokenBalance: 2 },
  })
  const arrayRes = await authority.call('POST', 'auth', { body: byCollectionArray.body })
  t.equal(arrayRes.status, 200, JSON.stringify(arrayRes.body))

  const ownership = await authority.call('POST', `chains/solana/wallets/${wallet.address}/tokenOwnership`, {
    body: { creatorAddress: creator, token_ids: [mint] },
    auth: basicAuth.go(SIWE_PROJECT.secretKey),
  })
  t.equal(ownership.status, 200, JSON.stringify(ownership.body))
  t.equal(ownership.body.allowed, true)
  t.same(ownership.body.tokenBalances, { creatorAddress: { [creator]: '1' }, tokenIds: { [mint]: '1.5' } })
  t.equal(ownership.body.tokenBalance, '2.5')

  const none = await authority.call(
    'POST',
    `chains/solana/wallets/${solanaWallet().address}/tokenOwnership`,
    {
      body: { requirements: { collection: [collection], minTokenBalance: '3' } },
    },
  )
  t.equal(none.status, 200)
  t.equal(none.body.allowed, false)
})
