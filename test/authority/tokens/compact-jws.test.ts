import { decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import t from 'tap'
import { signEs256Jws } from '../../../packages/authority/src/tokens/compact-jws.js'

/** Issue 14: tokens are signed with node:crypto, byte for byte what jose's SignJWT signs. */
t.test('the same signing input as jose, and a signature jose verifies', async (t) => {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const header = { alg: 'ES256', typ: 'at+jwt', kid: 'kid-1' }
  const payload = {
    sub: 'ethereum:0xabc',
    aud: 'p',
    // Every minted token has its iat and exp; both must come out exactly as given (an earlier
    // signer option dropped iat, and a test without one could not see it).
    iat: 1_700_000_000,
    exp: 4_000_000_000,
    tokenBalances: { a: '1' },
    ünï: 'çødé',
  }
  for (let i = 0; i < 20; i++) {
    const ours = signEs256Jws(header, payload, privateKey as CryptoKey)
    const jose = await new SignJWT({ ...payload }).setProtectedHeader(header).sign(privateKey)
    t.equal(ours.split('.').slice(0, 2).join('.'), jose.split('.').slice(0, 2).join('.'))
    t.equal(Buffer.from(ours.split('.')[2]!, 'base64url').length, 64, 'r ‖ s, 64 bytes (not DER)')
    const { payload: verified } = await jwtVerify(ours, publicKey, { algorithms: ['ES256'] })
    t.same(verified, payload)
    t.same(decodeProtectedHeader(ours), header)
  }
  t.throws(
    () => signEs256Jws(header, { sub: 'x', exp: 4_000_000_000 }, privateKey as CryptoKey),
    /iat/,
    'a payload without iat is refused, never given a clock reading',
  )
})
