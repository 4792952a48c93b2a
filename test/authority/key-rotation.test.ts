/**
 * Key rotation (issue 13): a key set of next, current and retired keys in the config or a
 * key-set file; the JWKS publishes them all, tokens of a retired key verify until they expire,
 * and a removed key stops verifying at the authority at once and in the plugin within its JWKS
 * refresh window (`verify.maxAge`). Real ES256 keys, real HTTP on 127.0.0.1.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import picket from 'fastify-picket'
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose'
import {
  AuthorityConfigError,
  generateSigningJwk,
  parseAuthorityConfig,
  startAuthority,
} from 'picket-authority'
import { withLowS } from 'picket-core'
import t, { type Test } from 'tap'
import { runKeysCommand } from '../../packages/authority/src/key-commands.js'
import { basicAuth, SIWE_PROJECT, startTestAuthority, type TestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin } from './support/wallets.js'

const project = { id: 'p1', publishableKey: 'pk_1', secretKey: 'sk_1', allowedDomains: ['localhost:3000'] }

async function keyEntry(kid: string, status: 'next' | 'current' | 'retired') {
  const { kty, crv, x, y, d } = await generateSigningJwk()
  return { kty, crv, x, y, d, kid, status }
}

async function login(authority: TestAuthority): Promise<string> {
  const { body } = await prepareEvmLogin(authority, evmWallet())
  const res = await authority.call('POST', 'auth', { body, auth: basicAuth.js(SIWE_PROJECT.publishableKey) })
  if (res.status !== 200) throw new Error(`login failed: ${JSON.stringify(res.body)}`)
  return res.body.accessToken as string
}

async function validate(authority: TestAuthority, accessToken: string) {
  return authority.call('POST', 'auth/validate', { body: { accessToken } })
}

/** The `keys` CLI command, in process (the spawned CLI is tested in cli.test.ts). */
async function keys(...args: string[]): Promise<string> {
  const out: string[] = []
  await runKeysCommand(args, { out: (line) => out.push(line), err: () => {} })
  return out.join('\n')
}

/** A fastify-picket app verifying locally against the authority's JWKS. */
async function pluginApp(t: Test, authority: TestAuthority, maxAge: number): Promise<FastifyInstance> {
  const server = Fastify()
  await server.register(picket, {
    apiKey: SIWE_PROJECT.secretKey,
    baseURL: authority.url,
    verify: {
      jwks: `${authority.url}/.well-known/jwks.json`,
      audience: SIWE_PROJECT.id,
      issuer: authority.issuer,
      maxAge,
    },
  })
  server.get('/me', { config: { picket: true } }, async () => ({ ok: true }))
  t.teardown(() => server.close())
  await server.ready()
  return server
}

async function gated(server: FastifyInstance, token: string) {
  const res = await server.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
  return { status: res.statusCode, body: res.json() }
}

t.test('signingKeys: strictly validated, errors name the field', async (t) => {
  const [a, b, c] = [
    await keyEntry('a', 'current'),
    await keyEntry('b', 'next'),
    await keyEntry('c', 'retired'),
  ]
  const eleven = await Promise.all(
    Array.from({ length: 11 }, (_, i) => keyEntry(`k${i}`, i === 0 ? 'current' : 'retired')),
  )
  const cases: Array<[unknown, string, RegExp]> = [
    ['a', 'signingKeys', /must be an array of keys/],
    [[], 'signingKeys', /at least the current key/],
    [eleven, 'signingKeys', /holds 11 keys, at most 10/],
    [[a, { ...b, status: 'current' }], 'signingKeys[1].status', /signingKeys\[0\] is current too/],
    [[{ ...a, status: 'next' }, c], 'signingKeys', /no key with status 'current'/],
    [[{ ...a, status: 'active' }], 'signingKeys[0].status', /must be one of 'next', 'current', 'retired'/],
    [[a, { ...b, kid: 'a' }], 'signingKeys[1].kid', /duplicates signingKeys\[0\]\.kid/],
    [[a, { ...a, kid: 'a2', status: 'next' }], 'signingKeys[1]', /is the same key as signingKeys\[0\]/],
    [[{ ...a, stauts: 'x' }], 'signingKeys[0].stauts', /did you mean 'status'/],
    [[{ ...a, d: undefined }], 'signingKeys[0].d', /is required/],
    [[{ ...a, kty: 'RSA' }], 'signingKeys[0].kty', /must be 'EC'/],
    [[{ ...a, crv: 'P-384' }], 'signingKeys[0].crv', /must be 'P-256'/],
    [[{ ...a, kid: undefined }], 'signingKeys[0].kid', /is required/],
    [[{ ...a, kid: 'has space' }], 'signingKeys[0].kid', /printable ASCII/],
    [[{ ...a, x: 'abc' }], 'signingKeys[0].x', /43 base64url characters/],
    [[{ ...a, alg: 'RS256' }], 'signingKeys[0].alg', /must be 'ES256'/],
    [[{ ...a, created: 'yesterday' }], 'signingKeys[0].created', /ISO 8601/],
    [[null], 'signingKeys[0]', /must be a private EC P-256 JWK with kid and status/],
  ]
  for (const [signingKeys, field, message] of cases) {
    let thrown: unknown
    try {
      parseAuthorityConfig({ projects: [project], signingKeys })
    } catch (error) {
      thrown = error
    }
    t.ok(thrown instanceof AuthorityConfigError, field)
    t.equal((thrown as AuthorityConfigError).field, field, field)
    t.match((thrown as Error).message, message, field)
  }
  const { kty, crv, x, y, d } = a
  t.throws(
    () => parseAuthorityConfig({ projects: [project], signingKeys: [a], signingKey: { kty, crv, x, y, d } }),
    {
      field: 'signingKeys',
      message: /cannot be combined with signingKey/,
    },
  )
  t.throws(
    () => parseAuthorityConfig({ projects: [project], signingKeys: [a], signingKeyFile: 'keys.json' }),
    {
      field: 'signingKeys',
      message: /cannot be combined with signingKeyFile/,
    },
  )
  const config = parseAuthorityConfig({ projects: [project], signingKeys: [c, a, { ...b, alg: 'ES256' }] })
  t.same(
    config.signingKeys?.map((key) => [key.kid, key.status]),
    [
      ['c', 'retired'],
      ['a', 'current'],
      ['b', 'next'],
    ],
  )
  // A d that does not belong to x, y would mint tokens no one verifies: refused at start.
  await t.rejects(
    startAuthority({ port: 0, projects: [project], warn: () => {}, signingKeys: [{ ...a, d: b.d }] }),
    { message: /signingKeys\[0\] \(kid a\) cannot be used: not a valid P-256 key pair/ },
  )
})

t.test(
  'the JWKS publishes next, current and retired keys; tokens are signed by the current one',
  async (t) => {
    const [retired, current, next] = [
      await keyEntry('old', 'retired'),
      await keyEntry('now', 'current'),
      await keyEntry('new', 'next'),
    ]
    const authority = await startTestAuthority({ signingKeys: [retired, current, next] })
    t.teardown(() => authority.close())
    const jwks = await authority.call('GET', '.well-known/jwks.json', { auth: null })
    t.equal(jwks.status, 200)
    t.same(
      jwks.body.keys,
      [current, next, retired].map(({ kid, x, y }) => ({
        kty: 'EC',
        crv: 'P-256',
        x,
        y,
        kid,
        alg: 'ES256',
        use: 'sig',
      })),
      'current first, public members only',
    )
    t.same(authority.jwks, jwks.body)
    const token = await login(authority)
    t.equal(decodeProtectedHeader(token).kid, 'now')
    t.equal((await validate(authority, token)).status, 200)
  },
)

t.test(
  'rotation through a key-set file: retired keys verify, removed keys stop (authority and plugin)',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'picket-rotation-'))
    const file = join(dir, 'keys.json')
    const k1 = (await keys('add', '--file', file, '--kid', 'k1')).replace(/^added (\S+) .*$/, '$1')
    t.equal(k1, 'k1')
    const authority = await startTestAuthority({ signingKeyFile: file })
    t.teardown(() => authority.close())
    // One plugin refreshes its JWKS every 500 ms; the other (10 min) shows the window is what bounds it.
    const fast = await pluginApp(t, authority, 500)
    const slow = await pluginApp(t, authority, 600_000)

    const token1 = await login(authority)
    t.equal(decodeProtectedHeader(token1).kid, 'k1')
    t.equal((await validate(authority, token1)).status, 200)
    t.equal((await gated(fast, token1)).status, 200)
    t.equal((await gated(slow, token1)).status, 200)

    // add (next) → published, not signing.
    await keys('add', '--file', file, '--kid', 'k2')
    t.same(await authority.reloadKeys(), [
      { kid: 'k1', status: 'current' },
      { kid: 'k2', status: 'next' },
    ])
    t.same(
      (await authority.call('GET', '.well-known/jwks.json', { auth: null })).body.keys.map(
        (key: { kid: string }) => key.kid,
      ),
      ['k1', 'k2'],
    )
    t.equal(decodeProtectedHeader(await login(authority)).kid, 'k1', 'a next key does not sign')

    // promote → k2 signs, k1 retired: k1's tokens still verify.
    t.match(await keys('promote', '--file', file, '--kid', 'k2'), 'promoted k2 to current; k1 is now retired')
    await authority.reloadKeys()
    const jwks = (await authority.call('GET', '.well-known/jwks.json', { auth: null })).body
    t.same(
      jwks.keys.map((key: { kid: string }) => key.kid),
      ['k2', 'k1'],
    )
    const token2 = await login(authority)
    t.equal(decodeProtectedHeader(token2).kid, 'k2')
    const retiredCheck = await validate(authority, token1)
    t.equal(retiredCheck.status, 200, 'a token of the retired key verifies until it expires')
    t.equal((await validate(authority, token2)).status, 200)
    t.equal((await gated(fast, token1)).status, 200)
    t.equal((await gated(fast, token2)).status, 200, 'the plugin fetches the JWKS for the new kid')

    // remove k1 → the authority refuses its tokens at once.
    await keys('remove', '--file', file, '--kid', 'k1')
    await authority.reloadKeys()
    const removedAt = Date.now()
    const refused = await validate(authority, token1)
    t.equal(refused.status, 401)
    t.equal(refused.body.code, 'access_token_invalid')
    t.match(refused.body.msg, /signed by a key this authority does not have/)
    t.equal((await validate(authority, token2)).status, 200)

    // The plugin refuses it within its refresh window (cached verifications included)…
    let status = 200
    while (status === 200 && Date.now() - removedAt < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      status = (await gated(fast, token1)).status
    }
    const window = Date.now() - removedAt
    t.equal(status, 401, 'the plugin refuses the removed key')
    t.ok(window <= 500 + 2000, `within verify.maxAge and a fetch (${window} ms ≤ 500 + 2000 ms)`)
    t.equal((await gated(fast, token2)).status, 200, 'the current key still works')
    // …and not before: a plugin whose window has not passed still holds the key.
    t.equal((await gated(slow, token1)).status, 200, 'accepted until the JWKS refresh window passes')
  },
)

t.test('reloadKeys: an invalid file or key list is refused and the keys in use stay', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-rotation-'))
  const file = join(dir, 'keys.json')
  await keys('add', '--file', file, '--kid', 'only')
  const authority = await startTestAuthority({ signingKeyFile: file })
  t.teardown(() => authority.close())
  const token = await login(authority)

  await writeFile(file, JSON.stringify({ signingKeys: [{ kid: 'x', status: 'current' }] }))
  await t.rejects(authority.reloadKeys(), {
    message: /Signing key file .*: signingKeys\[0\]\.kty must be 'EC'/,
  })
  await writeFile(file, '{ not json')
  await t.rejects(authority.reloadKeys(), { message: /is not valid JSON/ })
  await t.rejects(authority.reloadKeys([]), { name: 'AuthorityConfigError', field: 'signingKeys' })
  t.equal((await validate(authority, token)).status, 200, 'the keys in use stay')

  // A list in code replaces the set (inline signingKeys are re-read this way).
  const fresh = await keyEntry('fresh', 'current')
  t.same(await authority.reloadKeys([fresh]), [{ kid: 'fresh', status: 'current' }])
  t.match((await validate(authority, token)).body.msg, /signed by a key this authority does not have/)
  t.equal(decodeProtectedHeader(await login(authority)).kid, 'fresh')

  const inMemory = await startTestAuthority()
  t.teardown(() => inMemory.close())
  await t.rejects(inMemory.reloadKeys(), { message: /No key source to reload/ })
})

t.test(
  'a single-key signingKeyFile (a bare JWK) keeps working; kid picks one of our keys, nothing else does',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'picket-rotation-'))
    const file = join(dir, 'key.json')
    await writeFile(file, JSON.stringify(await generateSigningJwk()), { mode: 0o600 })
    const authority = await startTestAuthority({ signingKeyFile: file })
    t.teardown(() => authority.close())
    const token = await login(authority)
    const { kid } = decodeProtectedHeader(token)
    t.equal(kid, authority.jwks.keys[0]?.kid)
    t.equal((await validate(authority, token)).status, 200)

    // Converting the file to a key set keeps the kid: tokens already issued keep verifying.
    await keys('add', '--file', file)
    t.same(
      (await authority.reloadKeys()).map((key) => key.status),
      ['current', 'next'],
    )
    const published = (await authority.call('GET', '.well-known/jwks.json', { auth: null })).body.keys
    t.equal(published[0].kid, kid)
    t.equal((await validate(authority, token)).status, 200)

    // A header naming another kid (or a jku/jwk to fetch one from) never selects a key.
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const forged = (extra: Record<string, unknown>) =>
      `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), ...extra })).toString('base64url')}.${payload}.${signature}`
    const unknown = await validate(
      authority,
      forged({ kid: 'someone-else', jku: 'http://127.0.0.1:9/jwks.json' }),
    )
    t.equal(unknown.status, 401)
    t.match(unknown.body.msg, /signed by a key this authority does not have/)
    const { kid: _kid, ...rest } = JSON.parse(Buffer.from(header, 'base64url').toString())
    const noKid = `${Buffer.from(JSON.stringify(rest)).toString('base64url')}.${payload}.${signature}`
    t.equal((await validate(authority, noKid)).status, 401, 'a header edited without re-signing')

    // A token without a kid is checked against the current key only, never the other keys.
    const jwk = (JSON.parse(await readFile(file, 'utf8')) as { signingKeys: Array<Record<string, string>> })
      .signingKeys[0]!
    const oldKey = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, 'ES256')
    const kidless = withLowS(
      await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(oldKey),
    )
    t.equal((await validate(authority, kidless)).status, 200, 'signed by the current key')
    await keys('promote', '--file', file, '--kid', published[1].kid)
    await authority.reloadKeys()
    t.equal((await validate(authority, token)).status, 200, 'the retired key by its kid')
    t.equal((await validate(authority, kidless)).status, 401, 'no kid: not tried against the retired key')
  },
)
