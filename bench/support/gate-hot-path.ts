/**
 * What the gate does per cached request, step by step, outside Fastify (no HTTP, no hooks):
 * the figures behind the "Plugin gate" notes in bench/RESULTS.md.
 *
 *   npx tsx bench/support/gate-hot-path.ts
 */
import { createHash } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { COMPACT_JWS, parseBearerAuthorization, SingleFlightCache, tokenCacheKey } from 'picket-core'
import { withLowS } from '../../packages/core/src/core/bearer-token.js'
import { normalizeRequirements } from '../../packages/core/src/core/requirements.js'
import type { AccessTokenPayload } from '../../packages/core/src/core/types.js'
import { satisfies } from '../../src/fastify/gate.js'

// A token shaped like the authority's (same claims, ES256), so lengths match the real one.
const { privateKey, publicKey } = await generateKeyPair('ES256')
const kid = (await exportJWK(publicKey)).x!.slice(0, 16)
const wallet = '0x8ba1f109551bD432803012645Ac136ddd64DBA72'
const now = Math.floor(Date.now() / 1000)
const token = withLowS(
  await new SignJWT({
    chain: 'ethereum',
    walletAddress: wallet,
    displayAddress: wallet,
    tokenBalances: {},
    tid: crypto.randomUUID(),
    ver: 1,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
    .setIssuedAt(now)
    .setExpirationTime(now + 43_200)
    .setIssuer('http://picket.bench/api/v1')
    .setSubject(`ethereum:${wallet}`)
    .setAudience('6c0f3a52-8d0b-4f57-a1c4-3e9b2d7f1a08')
    .sign(privateKey),
)
const header = `Bearer ${token}`
const claims = { exp: now + 43_200, walletAddress: wallet, chain: 'ethereum' } as AccessTokenPayload
const cache = new SingleFlightCache<AccessTokenPayload>({ max: 10_000 })
await cache.get(tokenCacheKey(token), async () => ({ value: claims, ttl: 300_000 }))
const key = tokenCacheKey(token)
const anyWallet = normalizeRequirements(undefined)

function bench(name: string, fn: () => unknown, n = 500_000): void {
  for (let i = 0; i < 50_000; i++) fn()
  const started = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const ns = Number(process.hrtime.bigint() - started) / n
  process.stdout.write(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns\n`)
}

process.stdout.write(`token: ${token.length} characters\n`)
bench('parseBearerAuthorization (token68 regex)', () => parseBearerAuthorization(header))
bench('COMPACT_JWS.test', () => COMPACT_JWS.test(token))
bench('tokenCacheKey (SHA-256, crypto.hash)', () => tokenCacheKey(token))
bench('SHA-256 via createHash (before)', () => createHash('sha256').update(token).digest('base64url'))
bench('cache peek (lru-cache get with ttl)', () => cache.peek(key))
bench('satisfies (no requirements)', () => satisfies(claims, anyWallet))
bench('all of the above, synchronously', () => {
  const parsed = parseBearerAuthorization(header)
  if (parsed.kind !== 'token' || !COMPACT_JWS.test(parsed.token)) throw new Error('unexpected')
  const hit = cache.peek(tokenCacheKey(parsed.token))!
  return hit.exp * 1000 > Date.now() && satisfies(hit, anyWallet)
})
