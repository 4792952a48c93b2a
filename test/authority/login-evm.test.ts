import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import t from 'tap'
import { basicAuth, SIMPLE_PROJECT, SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

const authority = await startTestAuthority()
t.teardown(() => authority.close())

t.test('SIWE login: nonce → sign → auth → validate, token verifies against the JWKS', async (t) => {
  const account = evmWallet()
  const { body } = await prepareEvmLogin(authority, account)
  const auth = await authority.call('POST', 'auth', { body, auth: basicAuth.js(SIWE_PROJECT.publishableKey) })
  t.equal(auth.status, 200, JSON.stringify(auth.body))
  t.same(auth.body.user, {
    chain: 'ethereum',
    walletAddress: account.address,
    displayAddress: account.address,
    tokenBalances: {},
  })

  const jwks = await authority.call('GET', '.well-known/jwks.json', { auth: null })
  t.equal(jwks.status, 200)
  const { payload, protectedHeader } = await jwtVerify(auth.body.accessToken, createLocalJWKSet(jwks.body), {
    algorithms: ['ES256'],
    issuer: authority.url,
    audience: SIWE_PROJECT.id,
  })
  t.equal(protectedHeader.alg, 'ES256')
  t.equal(protectedHeader.kid, jwks.body.keys[0].kid)
  t.equal(payload.sub, `ethereum:${account.address}`)
  t.equal(payload.ver, 1)
  t.equal(payload.chain, 'ethereum')
  t.equal(payload.walletAddress, account.address)
  t.equal(payload.displayAddress, account.address)
  t.same(payload.tokenBalances, {})
  t.match(payload.tid, /^[0-9a-f-]{36}$/)
  t.equal((payload.exp as number) - (payload.iat as number), 43200)

  const validate = await authority.call('POST', 'auth/validate', {
    body: { accessToken: auth.body.accessToken },
  })
  t.equal(validate.status, 200)
  t.equal(validate.body.walletAddress, account.address)
  t.equal(validate.body.aud, SIWE_PROJECT.id)
  t.equal(validate.body.iss, authority.url)
  t.ok(decodeProtectedHeader(auth.body.accessToken).kid)
})

t.test('simple-format project: python-style body with {} requirements and {} context', async (t) => {
  const account = evmWallet()
  const key = basicAuth.python(SIMPLE_PROJECT.secretKey)
  const { body } = await prepareEvmLogin(authority, account, { auth: key, format: 'simple' })
  const auth = await authority.call('POST', 'auth', {
    body: { ...body, requirements: {}, context: {} },
    auth: key,
  })
  t.equal(auth.status, 200, JSON.stringify(auth.body))
  t.equal(auth.body.user.walletAddress, account.address)
})

t.test('a wrong signature is 401 "Invalid signature"', async (t) => {
  const account = evmWallet()
  const other = evmWallet()
  const { message, body } = await prepareEvmLogin(authority, account)
  const forged = await other.signMessage({ message })
  const res = await authority.call('POST', 'auth', { body: { ...body, signature: forged } })
  t.equal(res.status, 401)
  t.match(res.body.msg, /invalid signature/i)
  t.equal(res.body.code, 'signature_invalid')
})

t.test('no nonce issued is 401 "Invalid signature"', async (t) => {
  const account = evmWallet()
  const res = await authority.call('POST', 'auth', {
    body: {
      walletAddress: account.address,
      signature: await account.signMessage({ message: 'x' }),
      context: siweContext(),
    },
  })
  t.equal(res.status, 401)
  t.match(res.body.msg, /invalid signature/i)
})

t.test('sequential replay of one signature: the second submission is refused', async (t) => {
  const { body } = await prepareEvmLogin(authority, evmWallet())
  const first = await authority.call('POST', 'auth', { body })
  const second = await authority.call('POST', 'auth', { body })
  t.equal(first.status, 200)
  t.equal(second.status, 401)
  t.match(second.body.msg, /invalid signature/i)
})

t.test('the same nonce is returned while alive, per project + address (case-insensitive EVM)', async (t) => {
  const account = evmWallet()
  const a = await authority.call('POST', 'auth/nonce', { body: { walletAddress: account.address } })
  const b = await authority.call('POST', 'auth/nonce', {
    body: { walletAddress: account.address.toLowerCase() },
  })
  const c = await authority.call('POST', 'auth/nonce', {
    body: { walletAddress: account.address },
    auth: basicAuth.node(SIMPLE_PROJECT.secretKey),
  })
  t.equal(a.status, 200)
  t.match(a.body, { statement: 'Sign in to Test App', format: 'siwe' })
  t.match(a.body.nonce, /^[A-Za-z0-9]{16,}$/)
  t.equal(b.body.nonce, a.body.nonce)
  t.not(c.body.nonce, a.body.nonce)
  t.equal(c.body.format, 'simple')
})
