/**
 * Incremental authorization and revalidation through `/authz`, against the authority reading
 * the local EVM: the gate asks for a new token, sends it in `picket-access-token`, and a
 * revalidating route notices when the pass leaves the wallet.
 */
import Fastify from 'fastify'
import picket, { NEW_TOKEN_HEADER } from 'fastify-picket'
import t from 'tap'
import { ISSUER, PROJECT, startStack } from '../support/stack.js'

const stack = await startStack()
t.teardown(() => stack.close())
const verify = { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

t.test('incremental: a token without the balance gets a new one from /authz', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify })
  app.get(
    '/coins',
    {
      config: {
        picket: { requirements: { contractAddress: stack.coin, minTokenBalance: '50' }, incremental: true },
      },
    },
    async (request) => ({ balances: request.picketUser!.tokenBalances, token: request.picketToken }),
  )
  app.get(
    '/strict',
    { config: { picket: { requirements: { contractAddress: stack.coin } } } },
    async () => ({}),
  )
  t.teardown(() => app.close())

  const login = await stack.login(stack.holder)
  t.same(decode(login.accessToken).tokenBalances, {}, 'logged in without requirements')
  t.equal(
    (await app.inject({ url: '/strict', headers: bearer(login.accessToken) })).statusCode,
    403,
    'not incremental',
  )

  const before = stack.calls.get('/authz') ?? 0
  const res = await app.inject({ url: '/coins', headers: bearer(login.accessToken) })
  t.equal(res.statusCode, 200)
  const newToken = res.headers[NEW_TOKEN_HEADER] as string
  t.ok(newToken, 'new token in the response header')
  t.not(newToken, login.accessToken)
  t.same(res.json().balances, { contractAddress: { [stack.coin]: '100' } })
  t.equal(res.json().token, newToken, 'request.picketToken is the new token')
  t.equal(
    (await app.inject({ url: '/strict', headers: bearer(newToken) })).statusCode,
    200,
    'new token carries it',
  )

  // The same old token again: answered from the short authz cache, not another chain read.
  await app.inject({ url: '/coins', headers: bearer(login.accessToken) })
  t.equal((stack.calls.get('/authz') ?? 0) - before, 1)

  const outsider = await stack.login(stack.outsider)
  const denied = await app.inject({ url: '/coins', headers: bearer(outsider.accessToken) })
  t.equal(denied.statusCode, 403)
  t.equal(denied.headers[NEW_TOKEN_HEADER], undefined)
})

t.test('incremental as a plugin default, overridable per route', async (t) => {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', verify, incremental: true })
  app.get(
    '/coins',
    { config: { picket: { requirements: { contractAddress: stack.coin } } } },
    async () => ({}),
  )
  app.get(
    '/coins-strict',
    { config: { picket: { requirements: { contractAddress: stack.coin }, incremental: false } } },
    async () => ({}),
  )
  t.teardown(() => app.close())
  const login = await stack.login(stack.holder)
  t.equal((await app.inject({ url: '/coins', headers: bearer(login.accessToken) })).statusCode, 200)
  t.equal((await app.inject({ url: '/coins-strict', headers: bearer(login.accessToken) })).statusCode, 403)
})

t.test('revalidate: a fresh chain read refuses a wallet that sent its pass away', async (t) => {
  const [, , , sellerKey, buyerKey] = stack.chain.accounts
  const { privateKeyToAccount } = await import('viem/accounts')
  const seller = privateKeyToAccount(sellerKey!.privateKey)
  await stack.chain.mintERC721(stack.pass, seller.address, 7n)

  const app = Fastify()
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
    verify,
    revalidateCache: { ttl: 0 },
  })
  const requirements = { contractAddress: stack.pass }
  app.get('/cached', { config: { picket: { requirements } } }, async () => ({}))
  app.get('/fresh', { config: { picket: { requirements, revalidate: true } } }, async () => ({}))
  t.teardown(() => app.close())

  const login = await stack.login(seller, requirements)
  t.equal((await app.inject({ url: '/fresh', headers: bearer(login.accessToken) })).statusCode, 200)
  await stack.chain.transferERC721(stack.pass, sellerKey!.privateKey, buyerKey!.address, 7n)
  t.equal(
    (await app.inject({ url: '/cached', headers: bearer(login.accessToken) })).statusCode,
    200,
    'token still says 1',
  )
  const res = await app.inject({ url: '/fresh', headers: bearer(login.accessToken) })
  t.equal(res.statusCode, 403, 'the chain says 0')
})

t.test('revalidate answers are cached per token for the configured time', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    client: stack.client,
    chain: 'localhost',
    verify,
    revalidateCache: { ttl: 60_000 },
  })
  app.get(
    '/fresh',
    { config: { picket: { requirements: { contractAddress: stack.pass }, revalidate: true } } },
    async () => ({}),
  )
  t.teardown(() => app.close())
  const login = await stack.login(stack.holder)
  const before = stack.calls.get('/authz') ?? 0
  for (let i = 0; i < 3; i++) {
    t.equal((await app.inject({ url: '/fresh', headers: bearer(login.accessToken) })).statusCode, 200)
  }
  t.equal((stack.calls.get('/authz') ?? 0) - before, 1)
})

t.test('revalidate fails closed with 503 when the chain is unreachable', async (t) => {
  const { startAuthority } = await import('picket-authority')
  const { PicketClient } = await import('picket-core/client')
  const broken = await startAuthority({
    port: 0,
    signingKey: stack.signingJwk as never,
    issuer: ISSUER,
    projects: [PROJECT],
    chains: { localhost: { rpcUrl: 'http://127.0.0.1:1', chainId: stack.chain.chainId } },
    rpcTimeout: 500,
    warn: () => {},
  })
  t.teardown(() => broken.close())
  const app = Fastify()
  await app.register(picket, {
    client: new PicketClient(PROJECT.secretKey, { baseURL: broken.url }),
    chain: 'localhost',
    verify: { jwks: `${broken.url}/.well-known/jwks.json`, audience: PROJECT.id },
  })
  app.get(
    '/fresh',
    { config: { picket: { requirements: { contractAddress: stack.pass }, revalidate: true } } },
    async () => ({}),
  )
  t.teardown(() => app.close())
  const login = await stack.login(stack.holder)
  const res = await app.inject({ url: '/fresh', headers: bearer(login.accessToken) })
  t.equal(res.statusCode, 503, res.body)
  t.ok(res.headers['retry-after'])
})
