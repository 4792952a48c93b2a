/**
 * The client-only example: an account links a wallet through `PicketClient.nonce` + `auth`, and
 * later asks `tokenOwnership` about it, against the local authority and chain.
 */

import { createSigningMessage } from 'picket-core'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { start } from '../../examples/client-only/app.js'

const example = await start({ port: 0 })
t.teardown(() => example.close())
const local = example.local!
const wallet = privateKeyToAccount(local.chain.accounts[1]!.privateKey)

/** The fields this test reads from the example's answers. */
interface Answer {
  message?: string
  wallet?: { chain: string; address: string } | null
  nonce: string
  statement: string
  format: 'siwe' | 'simple'
}

async function call(path: string, init: { method?: string; body?: unknown; account?: string } = {}) {
  const res = await fetch(`${example.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'x-demo-account': init.account ?? 'alice',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  return { status: res.status, body: (await res.json()) as Answer }
}

/** The front end's part: nonce from the app, SIWE message, signature by `signer`. */
async function signedLinkBody(signer = wallet, walletAddress: string = wallet.address) {
  const { body: nonce } = await call('/account/wallet/nonce', { method: 'POST', body: { walletAddress } })
  const context = {
    domain: 'localhost:3002',
    uri: 'http://localhost:3002',
    issuedAt: new Date().toISOString(),
    chainId: local.chain.chainId,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({
    format: nonce.format,
    statement: nonce.statement,
    nonce: nonce.nonce,
    walletAddress,
    ...context,
  })
  return { walletAddress, signature: await signer.signMessage({ message }), context }
}

t.test('an account links a wallet by signing, then asks what it holds', async (t) => {
  t.equal((await call('/account', { account: 'mallory' })).status, 401, 'needs an account session')
  t.equal(
    (await call(`/account/wallet/holds?contractAddress=${local.nft}`)).status,
    409,
    'nothing linked yet',
  )

  const body = await signedLinkBody()
  const linked = await call('/account/wallet', { method: 'POST', body })
  t.equal(linked.status, 200)
  t.same(linked.body.wallet, { chain: 'localhost', address: wallet.address })
  t.same((await call('/account')).body.wallet, { chain: 'localhost', address: wallet.address })

  const replay = await call('/account/wallet', { method: 'POST', body, account: 'bob' })
  t.equal(replay.status, 401, 'a signature links one account only')
  t.match(replay.body.message, /Invalid signature/i)
  t.equal((await call('/account', { account: 'bob' })).body.wallet, null)

  t.same((await call(`/account/wallet/holds?contractAddress=${local.nft}`)).body, {
    holds: false,
    balance: '0',
  })
  await local.chain.mintERC721(local.nft, wallet.address, 1n)
  t.same((await call(`/account/wallet/holds?contractAddress=${local.nft}`)).body, {
    holds: true,
    balance: '1',
  })
})

t.test("a wallet cannot be linked with another wallet's signature", async (t) => {
  const someoneElse = local.chain.accounts[2]!.address
  const res = await call('/account/wallet', {
    method: 'POST',
    body: await signedLinkBody(wallet, someoneElse),
    account: 'bob',
  })
  t.equal(res.status, 401)
  t.match(res.body.message, /Invalid signature/i)
  t.equal((await call('/account', { account: 'bob' })).body.wallet, null)
})
