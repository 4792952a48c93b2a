import { errors, jwtVerify } from 'jose'
import type { AccessTokenPayload } from '../../core/types.js'
import { accessTokenInvalid } from '../errors.js'
import { type SigningKey, TOKEN_ALGORITHM } from './signing-key.js'

export interface VerifyAccessTokenOptions {
  issuer: string
  /** The calling project's id: a token minted for another project is rejected. */
  audience: string
  /** Seconds since the epoch, for tests; default now. */
  currentDate?: Date
}

/**
 * Verifies a token this authority minted. Algorithm, issuer and audience are pinned; the key
 * is our own (never chosen by the token's `kid`/`jku`). Throws a 401 `access_token_invalid`
 * whose message says why, for anything but a valid token.
 */
export async function verifyAccessToken(
  key: SigningKey,
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenPayload> {
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp', 'iat', 'sub', 'tid'],
      ...(options.currentDate ? { currentDate: options.currentDate } : {}),
    }))
  } catch (error) {
    throw accessTokenInvalid(describeJoseError(error))
  }
  if (typeof payload.chain !== 'string' || typeof payload.walletAddress !== 'string') {
    throw accessTokenInvalid('missing chain or walletAddress claim')
  }
  return {
    ...payload,
    displayAddress:
      typeof payload.displayAddress === 'string' ? payload.displayAddress : payload.walletAddress,
    tokenBalances: isRecord(payload.tokenBalances) ? payload.tokenBalances : {},
  } as unknown as AccessTokenPayload
}

function isRecord(value: unknown): value is Record<string, Record<string, string>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describeJoseError(error: unknown): string {
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
