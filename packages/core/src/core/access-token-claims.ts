import { isRecord } from './is-record.js'
import { InvalidTokenError } from './token-errors.js'
import type { AccessTokenPayload } from './types.js'

const STRING_CLAIMS = ['chain', 'walletAddress', 'displayAddress', 'iss', 'sub', 'aud', 'tid'] as const
const NUMBER_CLAIMS = ['iat', 'exp', 'ver'] as const
const BALANCE_CATEGORIES = new Set(['contractAddress', 'collection', 'tokenIds', 'creatorAddress'])

/**
 * Checks that verified claims have the types the rest of the package relies on (§5.2). A
 * correctly signed token with a wrong shape is still refused: a key can be misused, and a
 * claim of the wrong type must not reach route handlers as if it were right.
 *
 * @throws InvalidTokenError naming the claim.
 */
export function assertAccessTokenClaims(payload: unknown): AccessTokenPayload {
  if (!isRecord(payload)) throw new InvalidTokenError('token payload is not a JSON object')
  for (const claim of STRING_CLAIMS) {
    if (typeof payload[claim] !== 'string' || payload[claim] === '') {
      throw new InvalidTokenError(`token claim '${claim}' is missing or not a string`)
    }
  }
  for (const claim of NUMBER_CLAIMS) {
    if (typeof payload[claim] !== 'number' || !Number.isFinite(payload[claim])) {
      throw new InvalidTokenError(`token claim '${claim}' is missing or not a number`)
    }
  }
  const { tokenBalances } = payload
  if (!isRecord(tokenBalances)) throw new InvalidTokenError("token claim 'tokenBalances' is not an object")
  for (const [category, balances] of Object.entries(tokenBalances)) {
    if (!BALANCE_CATEGORIES.has(category)) continue
    if (!isRecord(balances) || !Object.values(balances).every((balance) => typeof balance === 'string')) {
      throw new InvalidTokenError(`token claim 'tokenBalances.${category}' must map keys to balance strings`)
    }
  }
  const { tokenIdBalances, domain } = payload
  if (tokenIdBalances !== undefined) {
    const valid =
      isRecord(tokenIdBalances) &&
      Object.values(tokenIdBalances).every(
        (ids) => isRecord(ids) && Object.values(ids).every((balance) => typeof balance === 'string'),
      )
    if (!valid)
      throw new InvalidTokenError("token claim 'tokenIdBalances' must map contracts to id → balance strings")
  }
  if (domain !== undefined && (typeof domain !== 'string' || domain === '')) {
    throw new InvalidTokenError("token claim 'domain' must be a non-empty string")
  }
  if (payload.sid !== undefined && (typeof payload.sid !== 'string' || payload.sid === '')) {
    throw new InvalidTokenError("token claim 'sid' must be a non-empty string")
  }
  return payload as unknown as AccessTokenPayload
}
