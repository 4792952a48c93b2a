import { errors, type JSONWebKeySet, jwtVerify } from 'jose'
import { assertAccessTokenClaims } from './access-token-claims.js'
import {
  createRemoteKeyResolver,
  createStaticKeyResolver,
  isKeySetFetchFailure,
  type KeyResolver,
  type RemoteKeySetOptions,
} from './jwks-key-resolver.js'
import { InvalidTokenError, VerifierUnavailableError } from './token-errors.js'
import type { TokenVerifier } from './token-verifier.js'
import type { AccessTokenPayload } from './types.js'
import { SIGNING_KEY_ID } from './verified-token-cache.js'

export interface LocalVerifierOptions extends RemoteKeySetOptions {
  /** URL of the authority's JWKS (e.g. `…/api/v1/.well-known/jwks.json`) or a key set object. */
  jwks: string | URL | JSONWebKeySet
  /** The project id: tokens minted for another project are refused. */
  audience: string
  /** Expected `iss`; leave out only when the authority's issuer is not known. */
  issuer?: string
  /** Accepted algorithms (default `['ES256']`, what Picket signs with). */
  algorithms?: string[]
  /** Seconds of clock skew allowed on `exp`/`nbf`/`iat` (default 5). */
  clockTolerance?: number
  /** Refuse tokens whose `iat` lies further in the future than this many seconds (default 60). */
  maxFutureIat?: number
}

/** jose errors that mean "this token is not acceptable" rather than "we could not check". */
const TOKEN_ERRORS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWSSignatureVerificationFailed,
  errors.JWSInvalid,
  errors.JWTInvalid,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
]

/**
 * Verifies access tokens locally with jose: signature against the authority's published keys,
 * algorithm, issuer and audience pinned, then claim types. The token's own `alg`, `jku`, `x5u`,
 * `jwk` or `kid` never choose the key type or where keys come from: keys only come from the
 * configured key set, and only the configured algorithms are tried.
 */
export function createLocalVerifier(options: LocalVerifierOptions): TokenVerifier {
  const remoteKeys =
    typeof options.jwks === 'string' || options.jwks instanceof URL
      ? createRemoteKeyResolver(new URL(options.jwks), options)
      : undefined
  const keys: KeyResolver = remoteKeys ?? createStaticKeyResolver(options.jwks as JSONWebKeySet)
  const verifyOptions = {
    algorithms: options.algorithms ?? ['ES256'],
    audience: options.audience,
    clockTolerance: options.clockTolerance ?? 5,
    requiredClaims: ['exp', 'iat', 'sub', 'aud', 'iss'],
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  }
  const maxFutureIat = options.maxFutureIat ?? 60

  return {
    ...(remoteKeys
      ? {
          warmUp: () => remoteKeys.warm(),
          refreshKeys: () => remoteKeys.refresh(),
        }
      : {}),
    async verify(token: string): Promise<AccessTokenPayload> {
      let payload: unknown
      let kid: string | undefined
      try {
        let protectedHeader: { kid?: string }
        ;({ payload, protectedHeader } = await jwtVerify(token, keys, verifyOptions))
        kid = protectedHeader.kid
      } catch (error) {
        if (TOKEN_ERRORS.some((type) => error instanceof type)) {
          throw new InvalidTokenError(describe(error), { cause: error })
        }
        if (isKeySetFetchFailure(error)) {
          throw new VerifierUnavailableError('the signing keys could not be fetched', { cause: error })
        }
        // Anything else jose raises about the input (e.g. a malformed header) is the token's fault.
        throw new InvalidTokenError('the token could not be verified', { cause: error })
      }
      const claims = assertAccessTokenClaims(payload)
      if (claims.iat > Date.now() / 1000 + maxFutureIat) {
        throw new InvalidTokenError('the token was issued in the future')
      }
      // Remembered with the claims, so a cache can drop them when the key leaves the key set.
      Object.defineProperty(claims, SIGNING_KEY_ID, { value: kid ?? '', enumerable: false })
      return claims
    },
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired'
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's '${error.claim}' claim is not accepted`
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a known key'
  return 'the token signature is not valid'
}
