/**
 * Every endpoint puts the same bytes on the wire as picket-node: method, path, headers and JSON
 * body (reference §1.3, §1.5, §2).
 */

import { DEFAULT_USER_AGENT, PicketClient } from 'picket-core/client'
import t from 'tap'
import {
  API_KEY,
  AUTH_BODY,
  AUTHORIZATION,
  CHAINS_BODY,
  CLAIMS_BODY,
  clientFixture,
  ETHEREUM,
  NONCE_BODY,
  OWNERSHIP_BODY,
  WALLET,
} from '../support/picket-client-fixtures.js'
import { startRecordingServer } from '../support/recording-server.js'

const REQUIREMENTS = { contractAddress: '0xbc4c', minTokenBalance: '1' }
const CONTEXT = {
  domain: 'localhost:3000',
  uri: 'http://localhost:3000',
  issuedAt: '2023-03-18T23:26:51.123Z',
  chainId: 1,
  chainType: 'ethereum',
  locale: 'en-US',
}

t.test('nonce: POST /auth/nonce with chain defaulted to ethereum', async (t) => {
  const { server, client } = await clientFixture(t, { json: NONCE_BODY })
  t.same(await client.nonce({ walletAddress: WALLET }), NONCE_BODY)
  const [request] = server.requests
  t.equal(request?.method, 'POST')
  t.equal(request?.url, '/api/v1/auth/nonce')
  t.equal(request?.headers.authorization, AUTHORIZATION)
  t.equal(request?.headers['content-type'], 'application/json')
  t.equal(request?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(request?.body, JSON.stringify({ chain: 'ethereum', walletAddress: WALLET }))
})

t.test('nonce: sends chain and locale when given', async (t) => {
  const { server, client } = await clientFixture(t, { json: NONCE_BODY })
  await client.nonce({ chain: 'solana', walletAddress: 'WaLLet', locale: 'en-US' })
  t.equal(server.requests[0]?.body, '{"chain":"solana","walletAddress":"WaLLet","locale":"en-US"}')
})

t.test('auth: POST /auth with requirements and context, undefined fields omitted', async (t) => {
  const { server, client } = await clientFixture(t, { json: AUTH_BODY })
  t.same(await client.auth({ walletAddress: WALLET, signature: '0xsig' }), AUTH_BODY)
  await client.auth({
    chain: 'polygon',
    walletAddress: WALLET,
    signature: '0xsig',
    requirements: REQUIREMENTS,
    context: CONTEXT,
  })
  const [plain, full] = server.requests
  t.equal(plain?.method, 'POST')
  t.equal(plain?.url, '/api/v1/auth')
  t.equal(plain?.headers.authorization, AUTHORIZATION)
  t.equal(plain?.headers['content-type'], 'application/json')
  t.equal(plain?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(plain?.body, JSON.stringify({ chain: 'ethereum', walletAddress: WALLET, signature: '0xsig' }))
  t.same(JSON.parse(full?.body ?? ''), {
    chain: 'polygon',
    walletAddress: WALLET,
    signature: '0xsig',
    requirements: REQUIREMENTS,
    context: CONTEXT,
  })
})

t.test('authz: POST /authz always sends revalidate (default false)', async (t) => {
  const { server, client } = await clientFixture(t, { json: AUTH_BODY })
  t.same(await client.authz({ accessToken: 'a.b.c', requirements: REQUIREMENTS }), AUTH_BODY)
  await client.authz({ accessToken: 'a.b.c', requirements: REQUIREMENTS, revalidate: true })
  const [first, second] = server.requests
  t.equal(first?.method, 'POST')
  t.equal(first?.url, '/api/v1/authz')
  t.equal(first?.headers.authorization, AUTHORIZATION)
  t.equal(first?.headers['content-type'], 'application/json')
  t.equal(first?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(
    first?.body,
    JSON.stringify({ accessToken: 'a.b.c', requirements: REQUIREMENTS, revalidate: false }),
  )
  t.equal(
    second?.body,
    JSON.stringify({ accessToken: 'a.b.c', requirements: REQUIREMENTS, revalidate: true }),
  )
})

t.test('validate: POST /auth/validate with requirements only when given', async (t) => {
  const { server, client } = await clientFixture(t, { json: CLAIMS_BODY })
  t.same(await client.validate('a.b.c'), CLAIMS_BODY)
  await client.validate('a.b.c', REQUIREMENTS)
  const [bare, withRequirements] = server.requests
  t.equal(bare?.method, 'POST')
  t.equal(bare?.url, '/api/v1/auth/validate')
  t.equal(bare?.headers.authorization, AUTHORIZATION)
  t.equal(bare?.headers['content-type'], 'application/json')
  t.equal(bare?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(bare?.body, '{"accessToken":"a.b.c"}')
  t.equal(withRequirements?.body, JSON.stringify({ accessToken: 'a.b.c', requirements: REQUIREMENTS }))
})

t.test('tokenOwnership: flat body, chain and wallet in the path', async (t) => {
  const { server, client } = await clientFixture(t, { json: OWNERSHIP_BODY })
  t.same(await client.tokenOwnership({ walletAddress: WALLET, contractAddress: '0xbc4c' }), OWNERSHIP_BODY)
  await client.tokenOwnership({
    chain: 'solana',
    walletAddress: 'So1ana',
    tokenIds: ['mint1', 'mint2'],
    collection: 'COLL',
    creatorAddress: 'Creator',
    minTokenBalance: 3,
  })
  const [evm, solana] = server.requests
  t.equal(evm?.method, 'POST')
  t.equal(evm?.url, `/api/v1/chains/ethereum/wallets/${WALLET}/tokenOwnership`)
  t.equal(evm?.headers.authorization, AUTHORIZATION)
  t.equal(evm?.headers['content-type'], 'application/json')
  t.equal(evm?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(evm?.body, '{"contractAddress":"0xbc4c"}')
  t.equal(solana?.url, '/api/v1/chains/solana/wallets/So1ana/tokenOwnership')
  t.equal(
    solana?.body,
    JSON.stringify({
      tokenIds: ['mint1', 'mint2'],
      collection: 'COLL',
      creatorAddress: 'Creator',
      minTokenBalance: 3,
    }),
  )
})

t.test('tokenOwnership: a body with no requirement fields is {}', async (t) => {
  const { server, client } = await clientFixture(t, { json: { allowed: false } })
  t.same(await client.tokenOwnership({ walletAddress: WALLET }), { allowed: false })
  t.equal(server.requests[0]?.body, '{}')
})

t.test('chains: GET /chains, unwraps data', async (t) => {
  const { server, client } = await clientFixture(t, { json: CHAINS_BODY })
  t.same(await client.chains(), [ETHEREUM])
  const [request] = server.requests
  t.equal(request?.method, 'GET')
  t.equal(request?.url, '/api/v1/chains')
  t.equal(request?.headers.authorization, AUTHORIZATION)
  t.equal(request?.headers['content-type'], 'application/json', 'sent on GET too, like picket-node')
  t.equal(request?.headers['user-agent'], DEFAULT_USER_AGENT)
  t.equal(request?.body, '')
})

t.test('chainInfo: GET /chains/{chain}, bare body', async (t) => {
  const { server, client } = await clientFixture(t, { json: ETHEREUM })
  t.same(await client.chainInfo('ethereum'), ETHEREUM)
  const [request] = server.requests
  t.equal(request?.method, 'GET')
  t.equal(request?.url, '/api/v1/chains/ethereum')
  t.equal(request?.headers.authorization, AUTHORIZATION)
  t.equal(request?.headers['user-agent'], DEFAULT_USER_AGENT)
})

t.test('path segments are URL-encoded', async (t) => {
  const { server, client } = await clientFixture(t, { json: OWNERSHIP_BODY })
  await client.tokenOwnership({ chain: 'my chain', walletAddress: '0xa/b?c#d%e' })
  server.script({ json: ETHEREUM })
  await client.chainInfo('../admin?x=1')
  t.equal(server.requests[0]?.url, '/api/v1/chains/my%20chain/wallets/0xa%2Fb%3Fc%23d%25e/tokenOwnership')
  t.equal(server.requests[1]?.url, '/api/v1/chains/..%2Fadmin%3Fx%3D1')
})

t.test('Authorization is base64 of the UTF-8 key, no colon', async (t) => {
  const { server } = await clientFixture(t, { json: CHAINS_BODY })
  const key = 'clé:ü€'
  await new PicketClient(key, { baseURL: server.url('/api/v1') }).chains()
  t.equal(server.requests[0]?.headers.authorization, `Basic ${Buffer.from(key).toString('base64')}`)
})

t.test('userAgent option replaces the default', async (t) => {
  const { server, clientWith } = await clientFixture(t, { json: CHAINS_BODY })
  await clientWith({ userAgent: 'my-app/2.0' }).chains()
  t.equal(server.requests[0]?.headers['user-agent'], 'my-app/2.0')
})

t.test('baseURL: trailing slashes are stripped', async (t) => {
  const server = await startRecordingServer({ json: CHAINS_BODY })
  t.teardown(() => server.close())
  const client = new PicketClient(API_KEY, { baseURL: server.url('/api/v1//') })
  t.equal(client.baseURL, server.url('/api/v1'))
  await client.chains()
  t.equal(server.requests[0]?.url, '/api/v1/chains')
})

t.test('the default baseURL is the hosted Picket API', async (t) => {
  t.equal(new PicketClient(API_KEY).baseURL, 'https://picketapi.com/api/v1')
})

t.test('fetch option: the supplied fetch sends every request', async (t) => {
  const { server, clientWith } = await clientFixture(t, { json: CHAINS_BODY })
  const seen: string[] = []
  const countingFetch: typeof fetch = (input, init) => {
    seen.push(String(input))
    return fetch(input, init)
  }
  await clientWith({ fetch: countingFetch }).chains()
  t.same(seen, [server.url('/api/v1/chains')])
  t.equal(server.requests.length, 1)
})

t.test('a 2xx other than 200 is a success', async (t) => {
  const { client } = await clientFixture(t, { status: 201, json: NONCE_BODY })
  t.same(await client.nonce({ walletAddress: WALLET }), NONCE_BODY)
})
