import { KeyObject } from 'node:crypto'
import { createSigner } from 'fast-jwt'

/**
 * ES256 compact JWS through fast-jwt, which signs with node:crypto on the calling thread
 * (issue 14). jose signs through WebCrypto, whose per-call job and promise cost more than the
 * P-256 signature itself: on the login path that was the largest cost once secp256k1 recovery
 * went native. Verification stays with jose everywhere; the tests check that jose verifies
 * these tokens and that the signing input is the bytes jose's `SignJWT` makes.
 */

type Signer = (payload: Record<string, unknown>) => string

/** One fast-jwt signer per (key, header): the key set is immutable, headers are few (typ, kid). */
const signers = new WeakMap<CryptoKey, Map<string, Signer>>()

function signerFor(header: Record<string, unknown>, privateKey: CryptoKey): Signer {
  let byHeader = signers.get(privateKey)
  if (!byHeader) {
    byHeader = new Map()
    signers.set(privateKey, byHeader)
  }
  const id = JSON.stringify(header)
  let signer = byHeader.get(id)
  if (!signer) {
    const { alg, kid, ...rest } = header
    if (alg !== 'ES256') throw new TypeError(`only ES256 tokens are minted, not ${String(alg)}`)
    const pem = KeyObject.from(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
    signer = createSigner({
      key: pem,
      algorithm: 'ES256',
      ...(typeof kid === 'string' ? { kid } : {}),
      header: { ...rest, alg: 'ES256' },
      // No noTimestamp: it would drop the caller's iat. Every payload here carries its own iat,
      // which fast-jwt keeps as is (it only fills one in when absent).
    }) as Signer
    byHeader.set(id, signer)
  }
  return signer
}

export function signEs256Jws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: CryptoKey,
): string {
  // fast-jwt fills in a missing iat from its clock: every token here states its own.
  if (typeof payload.iat !== 'number') throw new TypeError('a token payload needs its iat')
  return signerFor(header, privateKey)(payload)
}
