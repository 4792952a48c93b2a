/**
 * SIWE and nonce attacks on the bundled authority (issue 6): each attack is one request that
 * must be refused (4xx `{msg, code}`, never a token), and none may burn the victim's nonce: the
 * genuine login signed before the attacks still succeeds afterwards. Replays, sequential and
 * concurrent, mint exactly one token — also through the plugin's `/auth/login` helper route.
 */
import Fastify from 'fastify'
import picket from 'fastify-picket'
import { createSigningMessage } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t, { type Test } from 'tap'
import type { PrivateKeyAccount } from 'viem/accounts'
import {
  basicAuth,
  SIMPLE_PROJECT,
  SIWE_PROJECT,
  startTestAuthority,
  type TestAuthority,
} from '../authority/support/authority.js'
import { evmWallet, siweContext, solanaWallet } from '../authority/support/wallets.js'

const authority: TestAuthority = await startTestAuthority()
t.teardown(() => authority.close())

const siweKey = basicAuth.node(SIWE_PROJECT.secretKey)
const simpleKey = basicAuth.node(SIMPLE_PROJECT.secretKey)

async function nonceFor(walletAddress: string, options: { auth?: string; chain?: string } = {}) {
  const res = await authority.call('POST', 'auth/nonce', {
    body: { chain: options.chain ?? 'ethereum', walletAddress },
    auth: options.auth ?? siweKey,
  })
  if (res.status !== 200) throw new Error(`nonce: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.nonce as string
}

interface SignOptions {
  nonce: string
  /** What the message says (default: what the body says). */
  signedContext?: Record<string, unknown>
  /** What the request body says. */
  context?: Record<string, unknown>
  format?: 'siwe' | 'simple'
  statement?: string
  signer?: PrivateKeyAccount
  walletAddress?: string
}

/** A `/auth` body whose signature covers `signedContext` and whose context is `context`. */
async function loginBody(account: PrivateKeyAccount, options: SignOptions) {
  const context = options.context ?? siweContext()
  const signed = { ...context, ...options.signedContext }
  const walletAddress = options.walletAddress ?? account.address
  const message = createSigningMessage({
    format: options.format ?? 'siwe',
    statement: options.statement ?? SIWE_PROJECT.statement!,
    walletAddress,
    nonce: options.nonce,
    domain: signed.domain as string,
    uri: signed.uri as string,
    chainId: signed.chainId as number,
    issuedAt: signed.issuedAt as string,
    chainType: 'ethereum',
  })
  const signature = await (options.signer ?? account).signMessage({ message })
  return { chain: 'ethereum', walletAddress, signature, context, requirements: {} }
}

function expectRefused(t: Test, res: { status: number; body: { msg?: unknown; code?: unknown } }) {
  t.ok(res.status >= 400 && res.status < 500, `4xx, got ${res.status}: ${JSON.stringify(res.body)}`)
  t.type(res.body.msg, 'string')
  t.type(res.body.code, 'string')
  t.notOk((res.body as { accessToken?: unknown }).accessToken, 'no token')
}

// The victim signs a genuine login first; every attack below runs while that nonce is live.
const victim = evmWallet()
const victimNonce = await nonceFor(victim.address)
const genuine = await loginBody(victim, { nonce: victimNonce })
const other = evmWallet()
const otherNonce = await nonceFor(other.address)

const attacks: Array<[string, () => Promise<{ body: unknown; auth?: string }>, RegExp?]> = [
  [
    'domain not allowed (message and body agree)',
    async () => ({
      body: await loginBody(victim, { nonce: victimNonce, context: siweContext({ domain: 'evil.example' }) }),
    }),
    /domain/,
  ],
  [
    'domain: allowed name with another port',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        context: siweContext({ domain: 'localhost:3001' }),
      }),
    }),
  ],
  [
    'domain: allowed name as a subdomain prefix',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        context: siweContext({ domain: 'localhost:3000.evil.example' }),
      }),
    }),
  ],
  [
    'domain: signed for evil.example, body claims the allowed domain',
    async () => ({
      body: await loginBody(victim, { nonce: victimNonce, signedContext: { domain: 'evil.example' } }),
    }),
    /invalid signature/i,
  ],
  [
    'uri mismatch: signed uri differs from the body uri',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        signedContext: { uri: 'https://evil.example/login' },
      }),
    }),
    /invalid signature/i,
  ],
  [
    'uri mismatch: body uri differs from the signed uri',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        context: siweContext({ uri: 'https://evil.example' }),
        signedContext: { uri: 'http://localhost:3000' },
      }),
    }),
    /invalid signature/i,
  ],
  [
    'wrong chainId (message and body agree on 137 for ethereum)',
    async () => ({
      body: await loginBody(victim, { nonce: victimNonce, context: siweContext({ chainId: 137 }) }),
    }),
    /chainId/,
  ],
  [
    'wrong chainId: signed for 137, body says 1',
    async () => ({ body: await loginBody(victim, { nonce: victimNonce, signedContext: { chainId: 137 } }) }),
    /invalid signature/i,
  ],
  [
    'issuedAt stale (10 minutes old)',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        context: siweContext({ issuedAt: new Date(Date.now() - 600_000).toISOString() }),
      }),
    }),
  ],
  [
    'issuedAt in the future (10 minutes ahead)',
    async () => ({
      body: await loginBody(victim, {
        nonce: victimNonce,
        context: siweContext({ issuedAt: new Date(Date.now() + 600_000).toISOString() }),
      }),
    }),
  ],
  [
    'issuedAt not a date',
    async () => ({
      body: await loginBody(victim, { nonce: victimNonce, context: siweContext({ issuedAt: 'yesterday' }) }),
    }),
  ],
  [
    'a nonce issued for another wallet',
    async () => ({ body: await loginBody(victim, { nonce: otherNonce }) }),
    /invalid signature/i,
  ],
  [
    'a nonce issued for another wallet, presented as that wallet but signed by the attacker',
    async () => ({ body: await loginBody(victim, { nonce: otherNonce, walletAddress: other.address }) }),
    /invalid signature/i,
  ],
  [
    'a nonce issued for another chain type (a Solana wallet)',
    async () => {
      const sol = solanaWallet()
      return { body: await loginBody(victim, { nonce: await nonceFor(sol.address, { chain: 'solana' }) }) }
    },
    /invalid signature/i,
  ],
  ['the EVM login presented on the Solana chain', async () => ({ body: { ...genuine, chain: 'solana' } })],
  [
    'a nonce issued by another project (simple format)',
    async () => {
      const foreign = evmWallet()
      const nonce = await nonceFor(foreign.address, { auth: simpleKey })
      return { body: await loginBody(foreign, { nonce }) }
    },
    /invalid signature/i,
  ],
  [
    "the victim's nonce from another project",
    async () => ({
      body: await loginBody(victim, { nonce: await nonceFor(victim.address, { auth: simpleKey }) }),
    }),
  ],
  [
    'a signature by another key',
    async () => ({ body: await loginBody(victim, { nonce: victimNonce, signer: other }) }),
    /invalid signature/i,
  ],
  [
    'a signature over another statement',
    async () => ({ body: await loginBody(victim, { nonce: victimNonce, statement: 'Sign in to Evil App' }) }),
    /invalid signature/i,
  ],
  [
    'a simple-format message presented to a SIWE project (with context)',
    async () => ({ body: await loginBody(victim, { nonce: victimNonce, format: 'simple' }) }),
    /invalid signature/i,
  ],
  [
    'a simple-format message presented to a SIWE project (without context)',
    async () => {
      const { context: _context, ...body } = await loginBody(victim, { nonce: victimNonce, format: 'simple' })
      return { body }
    },
    /context is required/,
  ],
  [
    'the genuine SIWE login sent to the simple-format project',
    async () => ({ body: genuine, auth: simpleKey }),
  ],
  [
    'the genuine login with a truncated signature',
    async () => ({ body: { ...genuine, signature: genuine.signature.slice(0, -2) } }),
  ],
  [
    'the genuine login for another wallet address',
    async () => ({ body: { ...genuine, walletAddress: other.address } }),
  ],
]

t.test('each attack is one refused request; the victim nonce survives them all', async (t) => {
  for (const [name, build, message] of attacks) {
    const { body, auth } = await build()
    const res = await authority.call('POST', 'auth', { body, auth: auth ?? siweKey })
    t.test(name, async (t) => {
      expectRefused(t, res)
      if (message) t.match(res.body.msg, message)
    })
  }
  t.equal(await nonceFor(victim.address), victimNonce, 'the nonce is unchanged')
  const res = await authority.call('POST', 'auth', { body: genuine })
  t.equal(res.status, 200, 'the genuine login still works after every attack')
})

/** secp256k1 group order: (r, s) and (r, n − s) are both valid ECDSA signatures of one hash. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
function malleate(signature: string): string {
  const r = signature.slice(2, 66)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  return `0x${r}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
}

t.test('sequential replay: the second submission of a signature is refused', async (t) => {
  const account = evmWallet()
  const body = await loginBody(account, { nonce: await nonceFor(account.address) })
  t.equal((await authority.call('POST', 'auth', { body })).status, 200)
  for (const replay of [
    body,
    { ...body, signature: malleate(body.signature) },
    { ...body, requirements: undefined },
  ]) {
    const res = await authority.call('POST', 'auth', { body: replay })
    expectRefused(t, res)
    t.equal(res.status, 401)
  }
})

t.test('concurrent replay: 20 parallel submissions (some malleated) mint exactly one token', async (t) => {
  for (let round = 0; round < 3; round++) {
    const account = evmWallet()
    const body = await loginBody(account, { nonce: await nonceFor(account.address) })
    const variants = [body, { ...body, signature: malleate(body.signature) }]
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => authority.call('POST', 'auth', { body: variants[i % 2] })),
    )
    t.equal(results.filter((r) => r.status === 200).length, 1, `round ${round}: one success`)
    t.ok(
      results.filter((r) => r.status !== 200).every((r) => r.status === 401),
      'the others are 401',
    )
  }
})

t.test('through the plugin: /auth/login checks the domain itself and replays mint one token', async (t) => {
  const app = Fastify()
  await app.register(picket, {
    chain: 'localhost',
    client: new PicketClient(SIWE_PROJECT.secretKey, { baseURL: authority.url }),
    verify: {
      jwks: `${authority.url}/.well-known/jwks.json`,
      audience: SIWE_PROJECT.id,
      issuer: authority.issuer,
    },
    allowedDomains: ['localhost:3000'],
    // Replays are what this checks; the per-wallet login limit has its own test (bounded-work).
    routes: { rateLimit: false },
  })
  t.teardown(() => app.close())
  const account = evmWallet()
  const nonce = await nonceFor(account.address)

  for (const [name, context] of [
    ['domain not allowed', siweContext({ domain: 'evil.example' })],
    ['issuedAt stale', siweContext({ issuedAt: new Date(Date.now() - 600_000).toISOString() })],
    ['issuedAt in the future', siweContext({ issuedAt: new Date(Date.now() + 600_000).toISOString() })],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: await loginBody(account, { nonce, context }),
    })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'FST_PICKET_BAD_REQUEST', name)
  }

  const body = await loginBody(account, { nonce })
  const results = await Promise.all(
    Array.from({ length: 20 }, () => app.inject({ method: 'POST', url: '/auth/login', payload: body })),
  )
  t.equal(results.filter((r) => r.statusCode === 200).length, 1, 'exactly one token')
  t.ok(
    results.filter((r) => r.statusCode !== 200).every((r) => r.statusCode === 401),
    'the rest are 401 from the authority passed through',
  )
  const again = await app.inject({ method: 'POST', url: '/auth/login', payload: body })
  t.equal(again.statusCode, 401, 'sequential replay through the plugin')
})
