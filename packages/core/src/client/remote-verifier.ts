import { decodeJwt } from 'jose'
import { assertAccessTokenClaims } from '../core/access-token-claims.js'
import { InvalidTokenError } from '../core/token-errors.js'
import type { TokenVerifier } from '../core/token-verifier.js'
import type { AccessTokenPayload } from '../core/types.js'
import type { PicketClient } from './picket-client.js'
import { classifyUpstreamError } from './upstream-errors.js'

export interface RemoteVerifierOptions {
  /** When set, tokens whose `aud` is another project are refused even if the API accepts them. */
  audience?: string
}

/**
 * Verifies tokens by asking the Picket API (`POST /auth/validate`), for deployments that do not
 * hold the signing keys (the hosted API never published them, §5.4). Pair it with the
 * verified-token cache: then only the first request per token pays the round trip.
 */
export function createRemoteVerifier(
  client: Pick<PicketClient, 'validate'>,
  options: RemoteVerifierOptions = {},
): TokenVerifier {
  return {
    async verify(token: string): Promise<AccessTokenPayload> {
      // Refuse what cannot be a Picket token before spending a round trip on it (and so that a
      // lax API could never pass it): the unverified payload must already have the right shape.
      let unverified: unknown
      try {
        unverified = decodeJwt(token)
      } catch (error) {
        throw new InvalidTokenError('the token is not a JWT', { cause: error })
      }
      checkClaims(assertAccessTokenClaims(unverified), options)
      let answer: unknown
      try {
        answer = await client.validate(token)
      } catch (error) {
        throw classifyUpstreamError(error)
      }
      return checkClaims(assertAccessTokenClaims(answer), options)
    },
  }
}

/** The checks jose does locally, applied to what the API answered (and to the token beforehand). */
function checkClaims(claims: AccessTokenPayload, options: RemoteVerifierOptions): AccessTokenPayload {
  if (options.audience !== undefined && claims.aud !== options.audience) {
    throw new InvalidTokenError("the token's 'aud' claim is not accepted")
  }
  if (claims.exp * 1000 <= Date.now()) throw new InvalidTokenError('the token has expired')
  if (claims.iat > Date.now() / 1000 + 60) throw new InvalidTokenError('the token was issued in the future')
  return claims
}
