/**
 * EVM addresses as users send them (issue 14): lower case, upper case and EIP-55 checksummed are
 * taken everywhere — nonce, auth, the tokenOwnership path, allowedWallets, a requirement's
 * contractAddress — and a mixed-case address with a wrong checksum (a typo the checksum caught)
 * is a 400 naming it. Every claim and every answer carries the one canonical (EIP-55) form; the
 * signed SIWE message keeps the address exactly as sent, because that is what the wallet signed.
 * Real authority over HTTP, real signatures, a real in-process EVM for the token reads.
 */
import { decodeJwt } from 'jose'
import t from 'tap'
import { getAddress } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

const chain = await startDevChain()
t.teardown(() => chain.close())
const authority = await startTestAuthority({
  chains: { localhost: { rpcUrl: chain.rpcUrl } },
  rpcTimeout: 5000,
  rateLimit: false,
})
t.teardown(() => authority.close())

const local = { chain: 'localhost', context: siweContext({ chainId: 1337 }) }
const pass = await chain.deployERC721()

/**
 * The address with one letter's case flipped: still mixed case, so its checksum must match, and
 * it does not (EIP-55 fixes the case of every letter).
 */
function wrongChecksum(address: string): string {
  const hex = address.slice(2)
  const upper = [...hex].filter((c) => /[A-F]/.test(c)).length
  const lower = [...hex].filter((c) => /[a-f]/.test(c)).length
  // Flip a letter of the more common case, so the result keeps both cases.
  const index = [...hex].findIndex((c) => (upper >= lower ? /[A-F]/ : /[a-f]/).test(c))
  const flipped = hex[index]!
  const swapped = flipped === flipped.toUpperCase() ? flipped.toLowerCase() : flipped.toUpperCase()
  return `0x${hex.slice(0, index)}${swapped}${hex.slice(index + 1)}`
}

/** A fresh wallet whose checksummed address has at least two letters of each case. */
function mixedCaseWallet(): PrivateKeyAccount {
  for (;;) {
    const wallet = evmWallet()
    const hex = wallet.address.slice(2)
    if ((hex.match(/[A-F]/g)?.length ?? 0) >= 2 && (hex.match(/[a-f]/g)?.length ?? 0) >= 2) return wallet
  }
}

t.test('the wrongChecksum helper makes what it says', async (t) => {
  const wallet = mixedCaseWallet()
  const typo = wrongChecksum(wallet.address)
  t.not(typo, wallet.address)
  t.equal(typo.toLowerCase(), wallet.address.toLowerCase())
  t.match(typo, /[A-F]/)
  t.match(typo, /[a-f]/)
  t.not(getAddress(typo.toLowerCase()), typo)
})

t.test('lower case, upper case and checksummed sign in as one wallet, claims checksummed', async (t) => {
  const wallet = mixedCaseWallet()
  const spellings = [
    wallet.address.toLowerCase(),
    `0x${wallet.address.slice(2).toUpperCase()}`,
    wallet.address,
  ]
  const nonces = new Set<string>()
  for (const spelling of spellings) {
    const signed = await prepareEvmLogin(authority, wallet, { ...local, walletAddress: spelling })
    nonces.add(signed.nonce)
    t.ok(signed.message.includes(`\n${spelling}\n`), 'the signed message keeps the address as sent')
    const res = await authority.call('POST', 'auth', { body: signed.body })
    t.equal(res.status, 200, `${spelling}: ${JSON.stringify(res.body)}`)
    t.equal(res.body.user.walletAddress, wallet.address, 'answer: EIP-55')
    t.equal(res.body.user.displayAddress, wallet.address)
    const claims = decodeJwt(res.body.accessToken)
    t.equal(claims.walletAddress, wallet.address, 'claim: EIP-55')
    t.equal(claims.displayAddress, wallet.address)
    t.equal(claims.sub, `localhost:${wallet.address}`, 'one sub whatever the casing')
    const validate = await authority.call('POST', 'auth/validate', {
      body: { accessToken: res.body.accessToken },
    })
    t.equal(validate.body.walletAddress, wallet.address)
  }
  t.equal(nonces.size, 3, 'each login spent its nonce; the next spelling got a new one')
})

t.test('a mixed-case address with a wrong checksum is a 400 naming it: nonce and auth', async (t) => {
  const wallet = mixedCaseWallet()
  const typo = wrongChecksum(wallet.address)
  const nonce = await authority.call('POST', 'auth/nonce', {
    body: { chain: 'localhost', walletAddress: typo },
  })
  t.equal(nonce.status, 400)
  t.equal(nonce.body.code, 'parameter_invalid')
  t.ok(nonce.body.msg.includes(typo), nonce.body.msg)
  t.match(nonce.body.msg, /walletAddress .*EIP-55 checksum/)
  t.notOk(nonce.body.msg.includes(wallet.address), 'no "did you mean" spelling of a typo')

  // A signature made over the typo'd spelling (the wallet signs whatever text it is shown).
  const signed = await prepareEvmLogin(authority, wallet, { ...local, walletAddress: wallet.address })
  const auth = await authority.call('POST', 'auth', { body: { ...signed.body, walletAddress: typo } })
  t.equal(auth.status, 400)
  t.ok(auth.body.msg.includes(typo), auth.body.msg)
})

t.test('tokenOwnership: any accepted casing in the path, the answer checksummed', async (t) => {
  const wallet = mixedCaseWallet()
  await chain.mintERC721(pass, wallet.address, 101n)
  const path = (address: string) => `chains/localhost/wallets/${address}/tokenOwnership`
  for (const spelling of [wallet.address.toLowerCase(), wallet.address]) {
    const res = await authority.call('POST', path(spelling), { body: { contractAddress: pass } })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.same(res.body, {
      allowed: true,
      walletAddress: wallet.address,
      tokenBalance: '1',
      tokenBalances: { contractAddress: { [pass]: '1' } },
    })
  }
  const allowList = await authority.call('POST', path(wallet.address.toLowerCase()), {
    body: { allowedWallets: [wallet.address] },
  })
  t.equal(allowList.status, 200)
  t.same(allowList.body, {
    allowed: true,
    walletAddress: wallet.address,
    tokenBalance: '0',
    tokenBalances: {},
  })

  const typo = wrongChecksum(wallet.address)
  const bad = await authority.call('POST', path(typo), { body: { contractAddress: pass } })
  t.equal(bad.status, 400)
  t.equal(bad.body.code, 'parameter_invalid')
  t.ok(bad.body.msg.includes(typo), bad.body.msg)
})

t.test(
  "requirements' contractAddress: lower case reads the contract; a wrong checksum is a 400",
  async (t) => {
    const wallet = evmWallet()
    await chain.mintERC721(pass, wallet.address, 102n)
    const lower = pass.toLowerCase()
    const signed = await prepareEvmLogin(authority, wallet, {
      ...local,
      requirements: { contractAddress: lower },
    })
    const res = await authority.call('POST', 'auth', { body: signed.body })
    t.equal(res.status, 200, JSON.stringify(res.body))
    // Balances stay keyed by the requirement string as sent: picket-js looks them up by the exact
    // string the developer passed (reference §2.11), so re-spelling the key would lose the balance.
    t.same(res.body.user.tokenBalances, { contractAddress: { [lower]: '1' } })
    t.equal(res.body.user.walletAddress, wallet.address)

    const typo = wrongChecksum(pass)
    const refused = await prepareEvmLogin(authority, wallet, {
      ...local,
      requirements: { contractAddress: typo },
    })
    const no = await authority.call('POST', 'auth', { body: refused.body })
    t.equal(no.status, 400)
    t.equal(no.body.code, 'parameter_invalid')
    t.ok(no.body.msg.includes(`requirements.contractAddress "${typo}"`), no.body.msg)

    const ownership = await authority.call(
      'POST',
      `chains/localhost/wallets/${wallet.address}/tokenOwnership`,
      {
        body: { contractAddress: typo },
      },
    )
    t.equal(ownership.status, 400)
    t.ok(ownership.body.msg.includes(typo))
    // The nonce survived the 400: the same signature with the requirement spelled right works.
    const retry = await authority.call('POST', 'auth', {
      body: { ...refused.body, requirements: { contractAddress: pass } },
    })
    t.equal(retry.status, 200, JSON.stringify(retry.body))
  },
)

t.test('allowedWallets: lower case and checksummed entries match; a wrong checksum is a 400', async (t) => {
  const wallet = mixedCaseWallet()
  for (const entry of [wallet.address.toLowerCase(), wallet.address]) {
    const signed = await prepareEvmLogin(authority, wallet, {
      ...local,
      walletAddress: wallet.address.toLowerCase(),
      requirements: { allowedWallets: [entry] },
    })
    const res = await authority.call('POST', 'auth', { body: signed.body })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.equal(res.body.user.walletAddress, wallet.address)
  }

  const typo = wrongChecksum(wallet.address)
  const signed = await prepareEvmLogin(authority, wallet, {
    ...local,
    requirements: { allowedWallets: [evmWallet().address, typo] },
  })
  const res = await authority.call('POST', 'auth', { body: signed.body })
  t.equal(res.status, 400)
  t.ok(res.body.msg.includes(`requirements.allowedWallets[1] "${typo}"`), res.body.msg)

  const authz = await authority.call('POST', 'authz', {
    body: { accessToken: 'x.y.z', requirements: { allowedWallets: [typo] } },
  })
  t.equal(authz.status, 400, 'authz reads requirements the same way')
  t.ok(authz.body.msg.includes(typo), authz.body.msg)
})
