/**
 * Hostile access tokens (issue 6): every forged, tampered, malformed or misdirected token is a
 * 401 `invalid_token`, in both verification modes (local JWKS and remote `/auth/validate`),
 * against the real stack (bundled authority, local EVM, real wallets). Tokens that point the
 * verifier at keys of their own (`jku`, `x5u`, `jwk`) must not make it fetch anything: the
 * loopback server they point at must see zero requests.
 */
import { createHmac, createPrivateKey, createPublicKey, sign as cryptoSign } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { type PicketPluginOptions } from 'fastify-picket'
import { CompactSign, type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { startAuthority } from 'picket-authority'
import { MAX_TOKEN_LENGTH } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t from 'tap'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
import { startRecordingServer } from '../support/recording-server.js'
import { ISSUER, PROJECT, startStack } from '../support/stack.js'
import { rawGet } from './support/raw-http.js'

const stack = await startStack()
t.teardown(() => stack.close())

/** A second project on an authority sharing the signing key and issuer: same key, another `aud`. */
const OTHER_PROJECT = {
  id: '7c1f3b9e-0d52-4e8a-b6a4-2f9d8e1c0a77',
  name: 'Other Project',
  publishableKey: 'pk_other_project',
  secretKey: 'sk_other_project',
  statement: 'Sign in to Other Project',
  allowedDomains: ['localhost:3000'],
}
const otherAuthority = await startAuthority({
  port: 0,
  signingKey: stack.signingJwk as never,
  issuer: ISSUER,
  projects: [OTHER_PROJECT],
  chains: { localhost: { rpcUrl: stack.chain.rpcUrl, chainId: stack.chain.chainId } },
  warn: () => {},
})
t.teardown(() => otherAuthority.close())

/** Serves the attacker's key set (for `jku`) and a certificate URL (for `x5u`); must stay unvisited. */
const attackerKeyServer = await startRecordingServer()
t.teardown(() => attackerKeyServer.close())

const good = await stack.login(stack.outsider)
const authorityJwk = stack.authority.jwks.keys[0]!
const authorityKid = authorityJwk.kid!
const authorityPrivateKey = (await importJWK({ ...stack.signingJwk, alg: 'ES256' }, 'ES256')) as CryptoKey
const attacker = await generateKeyPair('ES256', { extractable: true })
const attackerJwk: JWK = {
  ...(await exportJWK(attacker.publicKey)),
  kid: 'attacker',
  alg: 'ES256',
  use: 'sig',
}
attackerKeyServer.script({ json: { keys: [attackerJwk] } })

const enc = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
const goodClaims: Record<string, unknown> = decode(good.accessToken)
const now = () => Math.floor(Date.now() / 1000)
const fresh = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...goodClaims,
  iat: now(),
  exp: now() + 3600,
  tid: crypto.randomUUID(),
  ...overrides,
})
const without = (claim: string) => {
  const claims = fresh()
  delete claims[claim]
  return claims
}

/** Signs claims with any header and key; the default is the authority's own key and kid. */
async function sign(
  claims: unknown,
  options: { header?: Record<string, unknown>; key?: CryptoKey; alg?: string } = {},
): Promise<string> {
  const alg = options.alg ?? 'ES256'
  const header = { alg, typ: 'JWT', kid: authorityKid, ...options.header }
  const key = options.key ?? authorityPrivateKey
  if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) {
    return withLowS(
      await new SignJWT(claims as Record<string, unknown>).setProtectedHeader(header as never).sign(key),
    )
  }
  return withLowS(
    await new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader(header as never).sign(key),
  )
}

/**
 * ES256 with the authority's own key over any header and payload text, bypassing jose's
 * producer checks, so a refusal is about the content and never about the signature.
 */
const authorityKeyObject = createPrivateKey({ key: stack.signingJwk as never, format: 'jwk' })
function authoritySigned(joseHeader: Record<string, unknown>, payloadText: string): string {
  const input = `${enc(joseHeader)}.${enc(payloadText)}`
  const sig = cryptoSign('sha256', Buffer.from(input), { key: authorityKeyObject, dsaEncoding: 'ieee-p1363' })
  return `${input}.${sig.toString('base64url')}`
}
const es256Header = { alg: 'ES256', typ: 'JWT', kid: authorityKid }

/** HS256 over `secret`: the algorithm-confusion attack with the authority's public key bytes. */
function hs256(secret: Buffer | string, claims = fresh()): string {
  const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: authorityKid })}.${enc(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

const publicKeyObject = createPublicKey({ key: authorityJwk as never, format: 'jwk' })
const x = Buffer.from(authorityJwk.x!, 'base64url')
const y = Buffer.from(authorityJwk.y!, 'base64url')

async function keyOf(alg: string): Promise<CryptoKey> {
  return (await generateKeyPair(alg, { extractable: true })).privateKey
}
const [es384, es512, eddsa, rs256] = await Promise.all([
  keyOf('ES384'),
  keyOf('ES512'),
  keyOf('EdDSA'),
  keyOf('RS256'),
])

const [header, payload, signature] = good.accessToken.split('.') as [string, string, string]
const tamperedClaims = {
  ...goodClaims,
  walletAddress: stack.holder.address,
  tokenBalances: { contractAddress: { [stack.pass]: '1' } },
}
const otherProjectLogin = await (async () => {
  const client = new PicketClient(OTHER_PROJECT.secretKey, { baseURL: otherAuthority.url })
  const { nonce, statement, format } = await client.nonce({
    chain: 'localhost',
    walletAddress: stack.outsider.address,
  })
  const context = {
    domain: 'localhost:3000',
    uri: 'http://localhost:3000',
    issuedAt: new Date().toISOString(),
    chainId: stack.chain.chainId,
    chainType: 'ethereum',
  }
  const { createSigningMessage } = await import('picket-core')
  const message = createSigningMessage({
    format,
    statement,
    nonce,
    walletAddress: stack.outsider.address,
    ...context,
  })
  const sig = await stack.outsider.signMessage({ message })
  return client.auth({ chain: 'localhost', walletAddress: stack.outsider.address, signature: sig, context })
})()

const missingClaimCases = await Promise.all(
  [
    'exp',
    'iat',
    'sub',
    'aud',
    'iss',
    'tid',
    'chain',
    'walletAddress',
    'displayAddress',
    'tokenBalances',
    'ver',
  ].map(async (claim): Promise<[string, string]> => [`missing ${claim}`, await sign(without(claim))]),
)

/** Every hostile token of the issue, by name. Each must be answered 401 in both modes. */
const cases: Array<[string, string]> = [
  ['alg none, empty signature', `${enc({ alg: 'none', typ: 'JWT' })}.${enc(fresh())}.`],
  [
    'alg none with the authority kid',
    `${enc({ alg: 'none', typ: 'JWT', kid: authorityKid })}.${enc(fresh())}.`,
  ],
  ['alg NONE (case variant)', `${enc({ alg: 'NONE', typ: 'JWT' })}.${enc(fresh())}.`],
  ['alg none, original signature kept', `${enc({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`],
  [
    'HS256 keyed with the public key PEM (SPKI)',
    hs256(publicKeyObject.export({ type: 'spki', format: 'pem' }) as string),
  ],
  [
    'HS256 keyed with the public key DER (SPKI)',
    hs256(publicKeyObject.export({ type: 'spki', format: 'der' }) as Buffer),
  ],
  ['HS256 keyed with raw x‖y', hs256(Buffer.concat([x, y]))],
  ['HS256 keyed with the uncompressed point 04‖x‖y', hs256(Buffer.concat([Buffer.from([4]), x, y]))],
  ['HS256 keyed with the public JWK JSON', hs256(JSON.stringify(authorityJwk))],
  ['HS256 keyed with the base64url x string', hs256(authorityJwk.x!)],
  ['ES384 token, authority kid', await sign(fresh(), { alg: 'ES384', key: es384 })],
  ['ES512 token, authority kid', await sign(fresh(), { alg: 'ES512', key: es512 })],
  ['EdDSA token, authority kid', await sign(fresh(), { alg: 'EdDSA', key: eddsa })],
  ['RS256 token, authority kid', await sign(fresh(), { alg: 'RS256', key: rs256 })],
  ['another ES256 key with the same kid', await sign(fresh(), { key: attacker.privateKey })],
  [
    'another ES256 key, no kid',
    await sign(fresh(), { key: attacker.privateKey, header: { kid: undefined } }),
  ],
  [
    'jku pointing at the attacker key set',
    await sign(fresh(), {
      key: attacker.privateKey,
      header: { kid: 'attacker', jku: attackerKeyServer.url('/jwks.json') },
    }),
  ],
  [
    'jku with the authority kid',
    await sign(fresh(), { key: attacker.privateKey, header: { jku: attackerKeyServer.url('/jwks.json') } }),
  ],
  [
    'x5u pointing at the attacker server',
    await sign(fresh(), {
      key: attacker.privateKey,
      header: { kid: 'attacker', x5u: attackerKeyServer.url('/cert.pem') },
    }),
  ],
  [
    'jwk header carrying the attacker key',
    await sign(fresh(), {
      key: attacker.privateKey,
      header: { kid: undefined, jwk: { ...attackerJwk, kid: undefined } },
    }),
  ],
  [
    'jwk header with the authority kid',
    await sign(fresh(), { key: attacker.privateKey, header: { jwk: { ...attackerJwk, kid: authorityKid } } }),
  ],
  [
    'kid path traversal',
    await sign(fresh(), { key: attacker.privateKey, header: { kid: '../../../../dev/null' } }),
  ],
  ['kid SQL injection', await sign(fresh(), { key: attacker.privateKey, header: { kid: "' OR '1'='1" } })],
  ['kid as an object', await sign(fresh(), { key: attacker.privateKey, header: { kid: { $ne: null } } })],
  [
    'kid of 10 000 characters',
    await sign(fresh(), { key: attacker.privateKey, header: { kid: 'k'.repeat(10_000) } }),
  ],
  ['tampered payload, original signature', `${header}.${enc(tamperedClaims)}.${signature}`],
  [
    'original payload, signature of another token',
    `${header}.${payload}.${otherProjectLogin.accessToken.split('.')[2]}`,
  ],
  ['expired', await sign(fresh({ iat: now() - 7200, exp: now() - 3600 }))],
  ['expired just beyond the clock tolerance', await sign(fresh({ iat: now() - 600, exp: now() - 30 }))],
  ['nbf in the future', await sign(fresh({ nbf: now() + 3600 }))],
  ['iat far in the future', await sign(fresh({ iat: now() + 86_400, exp: now() + 90_000 }))],
  ['wrong iss', await sign(fresh({ iss: 'https://picket.evil.example/api/v1' }))],
  ['iss missing its path', await sign(fresh({ iss: 'http://picket.test' }))],
  ["wrong aud: another project's real token", otherProjectLogin.accessToken],
  ['wrong aud: aud forged', await sign(fresh({ aud: OTHER_PROJECT.id }))],
  ['aud as an array holding another project', await sign(fresh({ aud: [OTHER_PROJECT.id] }))],
  ['JSON array as payload', await sign([fresh()])],
  ['JSON string as payload', await sign('a string')],
  ['JSON null as payload', await sign(null)],
  ['payload that is not JSON', authoritySigned(es256Header, 'not json {')],
  ...missingClaimCases,
  ['empty claims object', await sign({})],
  ['exp as a string', await sign(fresh({ exp: String(now() + 3600) }))],
  ['iat as a string', await sign(fresh({ iat: 'yesterday' }))],
  ['exp as 1e309 (Infinity)', authoritySigned(es256Header, `{"exp":1e309,"iat":${now()}}`)],
  ['walletAddress as a number', await sign(fresh({ walletAddress: 1234 }))],
  ['walletAddress as an object', await sign(fresh({ walletAddress: { toString: 'x' } }))],
  ['chain as null', await sign(fresh({ chain: null }))],
  ['sub as an object', await sign(fresh({ sub: {} }))],
  ['aud as an array holding this project', await sign(fresh({ aud: [PROJECT.id] }))],
  ['tid as a number', await sign(fresh({ tid: 42 }))],
  ['ver as a string', await sign(fresh({ ver: '1' }))],
  ['tokenBalances as an array', await sign(fresh({ tokenBalances: [] }))],
  [
    'tokenBalances with numeric balances',
    await sign(fresh({ tokenBalances: { contractAddress: { [stack.pass]: 1 } } })),
  ],
  ['truncated by one character', good.accessToken.slice(0, -1)],
  ['truncated in the middle', good.accessToken.slice(0, Math.floor(good.accessToken.length / 2))],
  ['header and payload only', `${header}.${payload}`],
  ['header and payload, empty signature', `${header}.${payload}.`],
  ['header only', header],
  [
    'a character removed inside the signature',
    `${header}.${payload}.${signature.slice(0, 20)}${signature.slice(21)}`,
  ],
  ['padded with =', `${good.accessToken}=`],
  ['padded with ==', `${good.accessToken}==`],
  ['base64 padding inside the segments', `${header}==.${payload}.${signature}`],
  ['an extra segment', `${good.accessToken}.${signature}`],
  ['signature extended by four characters', `${good.accessToken}AAAA`],
  ['JWE-shaped (five segments)', `${header}.${payload}.${signature}.${signature}.${signature}`],
  ['100 KB of base64url', `eyJ${'A'.repeat(100 * 1024)}.${payload}.${signature}`],
  ['100 KB JWT signed by the authority key', await sign(fresh({ pad: 'p'.repeat(100 * 1024) }))],
  ['just over the length limit', `${header}.${payload}.${signature}${'A'.repeat(MAX_TOKEN_LENGTH)}`],
  [
    'control characters in the JOSE header',
    await sign(fresh(), { key: attacker.privateKey, header: { kid: '\u0000\u001b[31m\u0007' } }),
  ],
  [
    'non-ASCII in the JOSE header',
    await sign(fresh(), { key: attacker.privateKey, header: { kid: 'clé-\u202e-🔑' } }),
  ],
  [
    'NUL byte appended to alg',
    `${enc({ alg: 'ES256\u0000', typ: 'JWT', kid: authorityKid })}.${payload}.${signature}`,
  ],
  ['alg as an array', authoritySigned({ ...es256Header, alg: ['ES256'] }, JSON.stringify(fresh()))],
  [
    'crit header the verifier does not understand',
    authoritySigned({ ...es256Header, crit: ['exp'] }, JSON.stringify(fresh())),
  ],
  [
    'b64:false (unencoded payload)',
    authoritySigned({ ...es256Header, b64: false, crit: ['b64'] }, JSON.stringify(fresh())),
  ],
  ['header segment that is not JSON', `${enc('{"alg":"ES256"')}.${payload}.${signature}`],
  [
    'duplicate claim keys (last exp expired)',
    authoritySigned(es256Header, JSON.stringify(fresh()).replace(/}$/, `,"exp":${now() - 3600}}`)),
  ],
  [
    'exp only in a __proto__ key (prototype pollution)',
    authoritySigned(
      es256Header,
      JSON.stringify(without('exp')).replace(/^{/, '{"__proto__":{"exp":99999999999},'),
    ),
  ],
]

/** Authorization header values that are malformed as HTTP, not just as tokens. */
const headerCases: Array<[string, string]> = [
  [
    'non-ASCII characters in the Authorization header',
    `Bearer ${good.accessToken.slice(0, 10)}é€${good.accessToken.slice(10)}`,
  ],
  [
    'a control character in the Authorization header',
    `Bearer ${good.accessToken.slice(0, 10)}\u0001${good.accessToken.slice(10)}`,
  ],
  ['a tab inside the token', `Bearer ${good.accessToken.slice(0, 10)}\t${good.accessToken.slice(10)}`],
  ['two tokens in one header', `Bearer ${good.accessToken} ${good.accessToken}`],
  ['two tokens separated by a comma', `Bearer ${good.accessToken}, Bearer ${good.accessToken}`],
  ['Bearer with no token', 'Bearer'],
  ['Bearer and spaces', 'Bearer    '],
]

const modes: Record<string, () => Partial<PicketPluginOptions>> = {
  local: () => ({ verify: { jwks: stack.jwksUrl, audience: PROJECT.id, issuer: stack.authority.issuer } }),
  remote: () => ({}),
}

async function buildApp(mode: string): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(picket, { client: stack.client, chain: 'localhost', ...modes[mode]!() })
  app.get('/me', { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser!.walletAddress,
  }))
  return app
}

let attempts = 0
for (const mode of Object.keys(modes)) {
  t.test(`${mode} verification`, async (t) => {
    const app = await buildApp(mode)
    t.teardown(() => app.close())

    t.test('control: the genuine token is accepted', async (t) => {
      const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${good.accessToken}` } })
      t.equal(res.statusCode, 200)
    })

    for (const [name, token] of cases) {
      t.test(name, async (t) => {
        // Twice: a refused token is never cached, and the second answer is the same.
        for (let round = 0; round < 2; round++) {
          attempts++
          const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
          t.not(res.statusCode, 500, 'never a 500')
          t.not(res.statusCode, 200, 'never accepted')
          t.equal(res.statusCode, 401, `round ${round}: ${res.body.slice(0, 200)}`)
          t.equal(res.json().code, 'FST_PICKET_INVALID_TOKEN')
          t.match(res.headers['www-authenticate'], /error="invalid_token"/)
        }
      })
    }

    for (const [name, value] of headerCases) {
      t.test(name, async (t) => {
        attempts++
        const res = await app.inject({ url: '/me', headers: { authorization: value } })
        t.equal(res.statusCode, 401, res.body.slice(0, 200))
        t.equal(res.json().code, 'FST_PICKET_INVALID_TOKEN')
      })
    }

    t.test('over a real socket', async (t) => {
      const http = await buildApp(mode)
      await http.listen({ port: 0, host: '127.0.0.1' })
      t.teardown(() => http.close())
      const { port } = http.server.address() as { port: number }
      const valid = `Authorization: Bearer ${good.accessToken}`

      t.test('two Authorization headers: valid + garbage, garbage + valid, valid twice', async (t) => {
        for (const lines of [
          [valid, 'Authorization: Bearer x.y.z'],
          ['Authorization: Bearer x.y.z', valid],
          [valid, valid],
          [valid, 'authorization: Basic dXNlcjpwYXNz'],
        ]) {
          attempts++
          const res = await rawGet(port, '/me', lines)
          t.equal(res.status, 401, lines.join(' | ').slice(0, 80))
          t.match(JSON.parse(res.body), { code: 'FST_PICKET_INVALID_TOKEN', message: /more than one/ })
        }
        const control = await rawGet(port, '/me', [valid])
        t.equal(control.status, 200, 'one header is fine')
      })

      t.test('non-ASCII bytes in the header reach the plugin and are refused', async (t) => {
        attempts++
        const res = await rawGet(port, '/me', [`Authorization: Bearer ${good.accessToken}\u00e9\u00ff`])
        t.equal(res.status, 401)
      })

      t.test(
        'a control character is refused by the HTTP parser before the plugin (400), never 2xx/5xx',
        async (t) => {
          attempts++
          const res = await rawGet(port, '/me', [`Authorization: Bearer ${good.accessToken}\u0001`])
          t.equal(res.status, 400)
        },
      )

      t.test(
        'a 100 KB header: 431 from Node by default; 401 from the plugin when the server allows it',
        async (t) => {
          attempts++
          const big = `Authorization: Bearer eyJ${'A'.repeat(100 * 1024)}.${payload}.${signature}`
          t.equal((await rawGet(port, '/me', [big])).status, 431)
          const roomy = Fastify({
            http: { maxHeaderSize: 256 * 1024 },
          } as never) as unknown as FastifyInstance
          await roomy.register(picket, { client: stack.client, chain: 'localhost', ...modes[mode]!() })
          roomy.get('/me', { config: { picket: true } }, async () => ({}))
          await roomy.listen({ port: 0, host: '127.0.0.1' })
          t.teardown(() => roomy.close())
          attempts++
          const res = await rawGet((roomy.server.address() as { port: number }).port, '/me', [big])
          t.equal(res.status, 401)
          t.equal(JSON.parse(res.body).code, 'FST_PICKET_INVALID_TOKEN')
        },
      )
    })
  })
}

t.test('jku / x5u / jwk never made the verifiers fetch anything', async (t) => {
  t.equal(attackerKeyServer.requests.length, 0, 'the attacker key server saw zero requests')
  t.ok(attempts >= 2 * (cases.length * 2 + headerCases.length), `${attempts} hostile requests`)
})
