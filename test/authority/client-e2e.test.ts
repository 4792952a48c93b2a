import { createLocalJWKSet, jwtVerify } from 'jose'
import { createSigningMessage } from 'picket-core'
import { PicketAPIError, PicketClient } from 'picket-core/client'
import t from 'tap'
import { startDevChain } from '../../tools/devchain/index.js'
import { SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { evmWallet } from './support/wallets.js'

/**
 * The package's own PicketClient drives the authority over real HTTP, end to end:
 * nonce → sign → auth → validate → authz → tokenOwnership, on a real EVM with a real NFT.
 */
const chain = await startDevChain()
t.teardown(() => chain.close())
const authority = await startTestAuthority({ chains: { localhost: { rpcUrl: chain.rpcUrl } } })
t.teardown(() => authority.close())
const pass = await chain.deployERC721()

t.test('nonce → sign → auth → validate → authz → tokenOwnership', async (t) => {
  const picket = new PicketClient(SIWE_PROJECT.secretKey, { baseURL: authority.url })
  const wallet = evmWallet()
  const info = await picket.chainInfo('localhost')
  t.equal(info.chainId, 1337)
  t.ok((await picket.chains()).some((c) => c.chainSlug === 'solana'))

  const { nonce, statement, format } = await picket.nonce({
    chain: 'localhost',
    walletAddress: wallet.address,
  })
  const context = {
    domain: 'localhost:3000',
    uri: 'http://localhost:3000',
    issuedAt: new Date().toISOString(),
    chainId: info.chainId,
    chainType: info.chainType,
  }
  const message = createSigningMessage({
    format,
    statement,
    walletAddress: wallet.address,
    nonce,
    ...context,
  })
  const signature = await wallet.signMessage({ message })
  const { accessToken, user } = await picket.auth({
    chain: 'localhost',
    walletAddress: wallet.address,
    signature,
    context,
  })
  t.same(user, {
    chain: 'localhost',
    walletAddress: wallet.address,
    displayAddress: wallet.address,
    tokenBalances: {},
  })

  const { payload } = await jwtVerify(accessToken, createLocalJWKSet(authority.jwks), {
    issuer: authority.issuer,
    audience: SIWE_PROJECT.id,
    algorithms: ['ES256'],
  })
  t.equal(payload.sub, `localhost:${wallet.address}`)

  const claims = await picket.validate(accessToken)
  t.equal(claims.walletAddress, wallet.address)

  const requirements = { contractAddress: pass }
  const denied = await picket.authz({ accessToken, requirements }).catch((error: unknown) => error)
  t.ok(denied instanceof PicketAPIError)
  t.equal((denied as PicketAPIError).status, 403)
  t.equal((denied as PicketAPIError).apiCode, 'permission_denied')

  const before = await picket.tokenOwnership({
    chain: 'localhost',
    walletAddress: wallet.address,
    contractAddress: pass,
  })
  t.equal(before.allowed, false)

  await chain.mintERC721(pass, wallet.address, 1n)
  const upgraded = await picket.authz({ accessToken, requirements })
  t.same(upgraded.user.tokenBalances, { contractAddress: { [pass]: '1' } })
  const upgradedClaims = await picket.validate(upgraded.accessToken, requirements)
  t.same(upgradedClaims.tokenBalances, { contractAddress: { [pass]: '1' } })

  const after = await picket.tokenOwnership({
    chain: 'localhost',
    walletAddress: wallet.address,
    contractAddress: pass,
    minTokenBalance: 1,
  })
  t.match(after, { allowed: true, tokenBalances: { contractAddress: { [pass]: '1' } } })

  const replay = await picket
    .auth({ chain: 'localhost', walletAddress: wallet.address, signature, context })
    .catch((error: unknown) => error)
  t.equal((replay as PicketAPIError).status, 401)
  t.match((replay as PicketAPIError).msg, /invalid signature/i)
})

t.test('a wrong key surfaces as 401 api_key_invalid through the client', async (t) => {
  const picket = new PicketClient('sk_wrong', { baseURL: authority.url })
  const error = await picket.chains().catch((e: unknown) => e)
  t.ok(error instanceof PicketAPIError)
  t.equal((error as PicketAPIError).apiCode, 'api_key_invalid')
  t.match((error as PicketAPIError).msg, /invalid project key/i)
})
