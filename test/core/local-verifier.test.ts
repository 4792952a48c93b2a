import { base64url, SignJWT } from 'jose'
import { createLocalVerifier, InvalidTokenError, VerifierUnavailableError } from 'picket-core'
import t, { type Test } from 'tap'
import { startRecordingServer } from '../support/recording-server.js'
import { AUDIENCE, claimsFor, createSigningKey, ISSUER, mintToken } from '../support/token-factory.js'

const key = await createSigningKey()
const other = await createSigningKey(key.kid)
const jwks = { keys: [key.publicJwk] }
const verifier = createLocalVerifier({ jwks, audience: AUDIENCE, issuer: ISSUER })

t.test('accepts a token signed by a published key and returns its claims', async (t) => {
  const claims = claimsFor({ tokenBalances: { contractAddress: { '0xC': '1' } } })
  t.same(await verifier.verify(await mintToken(key, claims)), claims)
})

async function refused(t: Test, token: string, message: RegExp | string) {
  await t.rejects(verifier.verify(token), InvalidTokenError)
  await t.rejects(verifier.verify(token), { message })
}

t.test('refuses tokens that are not valid for this project', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  await refused(t, await mintToken(other, claimsFor()), 'signature')
  await refused(t, await mintToken(key, claimsFor({ exp: now - 60 })), 'expired')
  await refused(t, await mintToken(key, claimsFor({ aud: 'another-project' })), "'aud'")
  await refused(t, await mintToken(key, claimsFor({ iss: 'https://evil.example' })), "'iss'")
  await refused(t, await mintToken(key, { ...claimsFor(), nbf: now + 3600 }), "'nbf'")
  await refused(t, await mintToken(key, claimsFor({ iat: now + 3600 })), /future|'iat'/)
  await refused(t, await mintToken(key, { ...claimsFor(), walletAddress: 42 }), "'walletAddress'")
  await refused(
    t,
    await mintToken(key, { ...claimsFor(), tokenBalances: { contractAddress: { x: 1 } } }),
    'tokenBalances',
  )
  const { tid: _tid, ...withoutTid } = claimsFor()
  await refused(t, await mintToken(key, withoutTid), "'tid'")
})

t.test('refuses algorithm tricks whatever the header says', async (t) => {
  const payload = base64url.encode(JSON.stringify(claimsFor()))
  const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`
  await refused(t, none, /./)
  const hs = await new SignJWT({ ...claimsFor() })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)))
  await refused(t, hs, /./)
  const injected = await new SignJWT({ ...claimsFor() })
    .setProtectedHeader({
      alg: 'ES256',
      kid: 'unknown',
      jwk: other.publicJwk,
      jku: 'http://127.0.0.1:1/jwks',
    })
    .sign(other.privateKey)
  await refused(t, injected, /./)
})

t.test('refuses garbage', async (t) => {
  for (const token of ['', 'a.b.c', 'not-a-jwt', `${(await mintToken(key)).slice(0, -5)}`, '....']) {
    await t.rejects(verifier.verify(token), InvalidTokenError, JSON.stringify(token))
  }
})

t.test('remote JWKS: fetched once, cached; unreachable before warm-up is unavailable', async (t) => {
  const server = await startRecordingServer({ json: jwks })
  t.teardown(() => server.close())
  const remote = createLocalVerifier({ jwks: server.url('/jwks'), audience: AUDIENCE, issuer: ISSUER })
  const token = await mintToken(key)
  await remote.verify(token)
  await remote.verify(token)
  t.equal(server.requests.length, 1, 'one JWKS fetch for two verifications')

  const down = createLocalVerifier({ jwks: 'http://127.0.0.1:1/jwks', audience: AUDIENCE, timeout: 1000 })
  await t.rejects(down.verify(token), VerifierUnavailableError)
})

t.test('remote JWKS: keys keep working when a refetch fails after warm-up', async (t) => {
  const server = await startRecordingServer({ json: jwks })
  t.teardown(() => server.close())
  // maxAge 0: every verification wants a refetch, so the outage is hit at once.
  const remote = createLocalVerifier({
    jwks: server.url('/jwks'),
    audience: AUDIENCE,
    maxAge: 0,
    cooldown: 0,
  })
  const token = await mintToken(key)
  await remote.verify(token)
  server.script({ status: 500, text: '<html>down</html>' })
  t.same((await remote.verify(token)).aud, AUDIENCE, 'stale key set used during the outage')
  await t.rejects(remote.verify(await mintToken(other)), InvalidTokenError, 'a known kid, wrong key: invalid')
  const unknownKid = await createSigningKey()
  await t.rejects(
    remote.verify(await mintToken(unknownKid)),
    VerifierUnavailableError,
    'a kid never seen cannot be checked during the outage: unavailable, not invalid',
  )
  server.script({ hang: true })
  const slow = createLocalVerifier({ jwks: server.url('/slow'), audience: AUDIENCE, timeout: 200 })
  await t.rejects(slow.verify(token), VerifierUnavailableError, 'timeout before warm-up is unavailable')
})

t.test('key rotation: a new kid is fetched, old tokens keep verifying', async (t) => {
  const rotated = await createSigningKey()
  const server = await startRecordingServer({ json: jwks })
  t.teardown(() => server.close())
  const remote = createLocalVerifier({ jwks: server.url('/jwks'), audience: AUDIENCE, cooldown: 0 })
  const oldToken = await mintToken(key)
  await remote.verify(oldToken)
  server.script({ json: { keys: [key.publicJwk, rotated.publicJwk] } })
  await remote.verify(await mintToken(rotated))
  await remote.verify(oldToken)
  t.equal(server.requests.length, 2, 'refetched once for the unknown kid')
})
