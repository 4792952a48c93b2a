import type { AccessTokenPayload } from './types.js'

/**
 * Turns a raw access token into verified claims, or throws `InvalidTokenError` (the token is
 * bad) / `VerifierUnavailableError` (we cannot tell right now). Implemented locally against a
 * key set (`createLocalVerifier`) or remotely through the Picket API (`createRemoteVerifier`).
 */
export interface TokenVerifier {
  verify(token: string): Promise<AccessTokenPayload>
  /**
   * Fetches what verification needs (a remote key set) ahead of the first token; rejects with
   * an error naming the source and the cause. Absent when there is nothing to fetch.
   */
  warmUp?(): Promise<void>
  /**
   * Fetches the key set again and answers the key ids it now holds (`''` stands for a key
   * without a kid), or rejects when it could not be fetched (then the keys held stay in use).
   */
  refreshKeys?(): Promise<Set<string>>
}
