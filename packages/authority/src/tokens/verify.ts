import { errors, type JWSHeaderParameters, jwtVerify } from 'jose'
import type { AccessTokenPayload } from 'picket-core'
import { assertAccessTokenClaims, canonicalTokenProblem, InvalidTokenError } from 'picket-core'
import { accessTokenInvalid } from '../errors.js'
import { type SigningKey, type SigningKeySet, TOKEN_ALGORITHM } from './signing-key.js'

/** Seconds of clock skew tolerated for an `iat` in the future. */
const MAX_FUTURE_IAT = 60

export interface VerifyAccessTokenOptions {
  issuer: string
  /** The calling project's id: a token minted for another project is rejected. */
  audience: string
  /** Seconds since the epoch, for tests; default now. */
  currentDate?: Date
}

/** The token names no key of ours (a removed key, another authority's): never fetched from jku/jwk. */
class UnknownSigningKeyError extends Error {}

/**
 * Our own key for a token's header: with a key set, the one its `kid` names among the set's
 * keys (next, current, retired), or the current key for a token without a kid (every token we
 * mint has one); `jku`, `jwk` and `x5u` are never read.
 */
function keyFor(keys: SigningKey | SigningKeySet, header: JWSHeaderParameters): CryptoKey {
  if (!('byKid' in keys)) return keys.publicKey
  if (header.kid === undefined) return keys.current.publicKey
  const key = typeof header.kid === 'string' ? keys.byKid(header.kid) : undefined
  if (!key) throw new UnknownSigningKeyError()
  return key.publicKey
}

/**
 * Verifies a token this authority minted. Algorithm, issuer and audience are pinned; the key
 * is our own: a single key, or the key of a key set named by the token's `kid` (never one
 * taken from its `jku`/`jwk`). Throws a 401 `access_token_invalid` whose message says why,
 * for anything but a valid token.
 */
export async function verifyAccessToken(
  keys: SigningKey | SigningKeySet,
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenPayload> {
  // Compact JWS only: a padded variant of a token must not verify as the token itself.
  // One spelling per token: a twin with other unused base64url bits or a high-s signature is
  // refused, as the plugin refuses it (the authority never issues them).
  const problem = canonicalTokenProblem(token)
  if (problem) throw accessTokenInvalid(problem)
  let payload: unknown
  try {
    ;({ payload } = await jwtVerify(token, async (header) => keyFor(keys, header), {
      algorithms: [TOKEN_ALGORITHM],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp', 'iat', 'sub', 'tid'],
      ...(options.currentDate ? { currentDate: options.currentDate } : {}),
    }))
  } catch (error) {
    throw accessTokenInvalid(describeJoseError(error))
  }
  // A correctly signed token of the wrong shape is still refused: `validate` answers with the
  // claims, and every SDK (and our own plugin) relies on their types (§5.2).
  let claims: AccessTokenPayload
  try {
    claims = assertAccessTokenClaims(payload)
  } catch (error) {
    if (error instanceof InvalidTokenError) throw accessTokenInvalid(error.message)
    throw error
  }
  // jose checks `iat` only with `maxTokenAge`; a token from the future is not one we minted.
  const now = (options.currentDate?.getTime() ?? Date.now()) / 1000
  if (claims.iat > now + MAX_FUTURE_IAT) throw accessTokenInvalid('the token was issued in the future')
  return claims
}

function describeJoseError(error: unknown): string {
  if (error instanceof UnknownSigningKeyError) return 'signed by a key this authority does not have'
  if (error instanceof errors.JWTExpired) return 'the token has expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the token was issued for another project'
    if (error.claim === 'iss') return 'the token was issued by another authority'
    return `claim ${error.claim} is invalid`
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unexpected signing algorithm'
  return 'malformed token'
}
