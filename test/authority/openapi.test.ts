import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv } from 'ajv'
import Fastify, { type RouteOptions } from 'fastify'
import { createAuthority } from 'picket-authority'
import t, { type Test } from 'tap'
import { basicAuth, SIWE_PROJECT, startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin } from './support/wallets.js'

/**
 * `GET /api/v1/openapi.json` (issue 13): a valid OpenAPI 3 document that names every route the
 * authority registers, and whose response schemas the real answers meet, so it cannot drift
 * from the wire.
 */

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as JSON
type OpenApiDocument = any

const authority = await startTestAuthority()
t.teardown(() => authority.close())

const served = await authority.call('GET', 'openapi.json', { auth: null })
const document: OpenApiDocument = served.body

/** The documented schema of one answer, compiled with Ajv against the document's components. */
const ajv = new Ajv({ strict: false, allErrors: true })
ajv.addSchema(document, 'openapi.json')
function pointer(...segments: string[]): string {
  return segments.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')
}

interface Answer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers
  body: any
}

/** The answer's status is documented for the operation, and its body meets that schema. */
function meetsDocument(t: Test, method: string, path: string, answer: Answer): void {
  const operation = document.paths[path]?.[method]
  t.ok(operation, `${method.toUpperCase()} ${path} is documented`)
  const response = operation?.responses[String(answer.status)]
  t.ok(response, `${method.toUpperCase()} ${path} documents status ${answer.status}`)
  if (!response) return
  const validate = ajv.compile({
    $ref: `openapi.json#/${pointer('paths', path, method, 'responses', String(answer.status), 'content', 'application/json', 'schema')}`,
  })
  const valid = validate(answer.body)
  t.ok(
    valid,
    `${method.toUpperCase()} ${path} ${answer.status} meets its schema`,
    valid ? {} : { errors: validate.errors, body: answer.body },
  )
}

t.test('served publicly as a valid OpenAPI 3 document, servers = the issuer', async (t) => {
  t.equal(served.status, 200)
  t.match(served.headers.get('content-type'), /^application\/json/)
  t.equal(served.headers.get('cache-control'), 'public, max-age=300')
  t.match(document.openapi, /^3\.\d+\.\d+$/)
  t.same(document.servers, [{ url: authority.url }])
  t.equal(document.components.securitySchemes.apiKey.type, 'http')
  t.equal(document.components.securitySchemes.apiKey.scheme, 'basic')
  t.equal(document.components.securitySchemes.bearerAuth.scheme, 'bearer')
  t.same(document.security, [{ apiKey: [] }], 'the API key is needed unless a route says otherwise')
  // Schema of the OpenAPI specification plus its own rules (unique operation ids, path parameters declared…).
  await t.resolves(SwaggerParser.validate(structuredClone(document)))
  // The document's own answer meets the schema the document gives for it.
  meetsDocument(t, 'get', '/openapi.json', served)
  const withKey = await authority.call('GET', 'openapi.json')
  t.equal(withKey.status, 200, 'an API key does no harm')
})

t.test('every route the authority registers is documented (mounted in a host app)', async (t) => {
  const prefix = '/api/v1'
  const issuer = 'https://auth.example.com/api/v1'
  const app = Fastify()
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(`${prefix}/`)) routes.push(route)
  })
  app.get('/health', async () => ({ ok: true }))
  await app.register(createAuthority({ issuer, projects: [SIWE_PROJECT], warn: () => {} }), { prefix })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const response = await fetch(`http://127.0.0.1:${port}${prefix}/openapi.json`)
  t.equal(response.status, 200)
  const mounted: OpenApiDocument = await response.json()
  t.same(mounted.servers, [{ url: issuer }], 'servers is the configured issuer')
  t.notOk(mounted.paths['/health'], "the host's routes are not in the authority's document")

  const operations = routes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({ method, route })),
  )
  const getUrls = new Set(operations.filter((o) => o.method === 'GET').map((o) => o.route.url))
  let checked = 0
  for (const { method, route } of operations) {
    // HEAD is Fastify's automatic twin of a GET; the preflight route answers OPTIONS on every path.
    if (method === 'HEAD' && getUrls.has(route.url)) continue
    if (method === 'OPTIONS' && route.url === `${prefix}/*`) continue
    const path = route.url.slice(prefix.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    const name = `${method} ${path}`
    const operation = mounted.paths[path]?.[method.toLowerCase()]
    if (!t.ok(operation, `${name} is in the document`)) continue
    checked++
    t.ok(operation.summary, `${name} has a summary`)
    t.ok(operation.tags?.length, `${name} has a tag`)
    const success = Object.entries(operation.responses as Record<string, { description: string }>).filter(
      ([status]) => /^[23]/.test(status),
    )
    t.ok(success.length > 0, `${name} documents its success answer`)
    for (const [status, response] of success) {
      t.not(response.description, 'Default Response', `${name} ${status} is described by the route's schema`)
    }
    // Public routes (no API-key hook) must not claim to need the key, and the others must.
    const security: Record<string, unknown>[] = operation.security ?? mounted.security
    const needsKey = security.some((requirement) => 'apiKey' in requirement)
    const isPublic = (route.config as { picketAuthorityPublic?: boolean } | undefined)?.picketAuthorityPublic
    t.equal(needsKey, !isPublic, `${name}: the documented API-key need matches the route`)
    if (needsKey) t.ok(operation.responses['401'], `${name} documents the 401 of a missing key`)
  }
  t.ok(checked >= 12, `${checked} operations checked`)
})

t.test('real answers meet the documented schemas', async (t) => {
  const account = evmWallet()

  const nonce = await authority.call('POST', 'auth/nonce', {
    body: { chain: 'ethereum', walletAddress: account.address, locale: 'en-US' },
  })
  t.equal(nonce.status, 200)
  meetsDocument(t, 'post', '/auth/nonce', nonce)

  const login = await prepareEvmLogin(authority, account)
  const forged = await evmWallet().signMessage({ message: login.message })
  const refused = await authority.call('POST', 'auth', { body: { ...login.body, signature: forged } })
  t.equal(refused.status, 401)
  meetsDocument(t, 'post', '/auth', refused)

  const auth = await authority.call('POST', 'auth', {
    body: login.body,
    auth: basicAuth.js(SIWE_PROJECT.publishableKey),
  })
  t.equal(auth.status, 200, JSON.stringify(auth.body))
  meetsDocument(t, 'post', '/auth', auth)
  const { accessToken } = auth.body

  const validate = await authority.call('POST', 'auth/validate', { body: { accessToken } })
  t.equal(validate.status, 200)
  meetsDocument(t, 'post', '/auth/validate', validate)

  const badToken = await authority.call('POST', 'auth/validate', { body: { accessToken: 'x.y.z' } })
  t.equal(badToken.status, 401)
  meetsDocument(t, 'post', '/auth/validate', badToken)

  // Satisfied by the token's own claims: no chain read.
  const authz = await authority.call('POST', 'authz', {
    body: { accessToken, requirements: { allowedWallets: [account.address] }, revalidate: false },
  })
  t.equal(authz.status, 200, JSON.stringify(authz.body))
  meetsDocument(t, 'post', '/authz', authz)

  const notAllowed = await authority.call('POST', 'auth/validate', {
    body: { accessToken, requirements: { allowedWallets: [evmWallet().address] } },
  })
  t.equal(notAllowed.status, 403)
  meetsDocument(t, 'post', '/auth/validate', notAllowed)

  const chains = await authority.call('GET', 'chains')
  t.equal(chains.status, 200)
  t.ok(chains.body.data.length > 0)
  meetsDocument(t, 'get', '/chains', chains)

  const chain = await authority.call('GET', 'chains/ethereum')
  t.equal(chain.status, 200)
  meetsDocument(t, 'get', '/chains/{chain}', chain)

  const unknownChain = await authority.call('GET', 'chains/no-such-chain')
  t.equal(unknownChain.status, 404)
  meetsDocument(t, 'get', '/chains/{chain}', unknownChain)

  const noKey = await authority.call('GET', 'chains', { auth: null })
  t.equal(noKey.status, 401)
  meetsDocument(t, 'get', '/chains', noKey)

  const badKey = await authority.call('POST', 'auth/nonce', {
    body: { walletAddress: account.address },
    auth: basicAuth.node('sk_unknown'),
  })
  t.equal(badKey.status, 401)
  meetsDocument(t, 'post', '/auth/nonce', badKey)

  const malformed = await authority.call('POST', 'auth/nonce', { body: { walletAddress: 42 } })
  t.equal(malformed.status, 400)
  meetsDocument(t, 'post', '/auth/nonce', malformed)

  const ownershipPath = '/chains/{chain}/wallets/{walletAddress}/tokenOwnership'
  const ownership = await authority.call(
    'POST',
    `chains/ethereum/wallets/${account.address}/tokenOwnership`,
    {
      body: { allowedWallets: [account.address] },
    },
  )
  t.equal(ownership.status, 200, JSON.stringify(ownership.body))
  meetsDocument(t, 'post', ownershipPath, ownership)

  const publishable = await authority.call(
    'POST',
    `chains/ethereum/wallets/${account.address}/tokenOwnership`,
    { body: { allowedWallets: [account.address] }, auth: basicAuth.js(SIWE_PROJECT.publishableKey) },
  )
  t.equal(publishable.status, 403)
  meetsDocument(t, 'post', ownershipPath, publishable)

  const jwks = await authority.call('GET', '.well-known/jwks.json', { auth: null })
  t.equal(jwks.status, 200)
  meetsDocument(t, 'get', '/.well-known/jwks.json', jwks)

  const discovery = await authority.call('GET', '.well-known/openid-configuration', { auth: null })
  t.equal(discovery.status, 200)
  meetsDocument(t, 'get', '/.well-known/openid-configuration', discovery)
})

t.test('route schemas document only: bodies are read as tolerantly as before', async (t) => {
  const account = evmWallet()
  // The documented body names `walletAddress`; picket-go's `wallet_address` and an empty-string
  // chain (absent) are still read, and the answer is not reshaped by a serializer.
  const go = await authority.call('POST', 'auth/nonce', {
    body: { chain: '', wallet_address: account.address, locale: '' },
  })
  t.equal(go.status, 200, JSON.stringify(go.body))
  t.same(Object.keys(go.body).sort(), ['format', 'locale', 'nonce', 'statement'])
  // A body violating the documented types answers the authority's own 400 wording, not Ajv's.
  const wrong = await authority.call('POST', 'auth', {
    body: { walletAddress: account.address, signature: 7 },
  })
  t.equal(wrong.status, 400)
  t.same(wrong.body, { msg: 'signature must be a non-empty string, got 7', code: 'parameter_invalid' })
})
