import { caip2Family } from './gate-chains.js'
import { isRecord } from './is-record.js'
import { InvalidTokenError } from './token-errors.js'
import type { AccessTokenPayload } from './types.js'

const STRING_CLAIMS = ['chain', 'walletAddress', 'displayAddress', 'iss', 'sub', 'aud', 'tid'] as const
const NUMBER_CLAIMS = ['iat', 'exp', 'ver'] as const
const BALANCE_CATEGORIES = new Set(['contractAddress', 'collection', 'tokenIds', 'creatorAddress'])

export interface ClaimsCheckOptions {
  /**
   * Require `tid` and `ver` (default true): every token the bundled authority mints has them and
   * verifiers rely on `tid` (revocation, sessions). The client's `validate()` passes `false`:
   * it returns what any Picket version answered, and not every version is known to emit them
   * (they are then type-checked only when present).
   */
  requireTokenId?: boolean
}

/** Claims some Picket versions may not emit (type-checked when present, see above). */
const TOKEN_ID_CLAIMS: ReadonlySet<string> = new Set(['tid', 'ver'])

/**
 * The one rule for the shape of access-token claims (§5.2), used by the local and remote
 * verifiers, the authority and the client's `validate()`: the first problem, or `undefined`.
 * A correctly signed token with a wrong shape is still refused: a key can be misused, and a
 * claim of the wrong type must not reach route handlers as if it were right.
 */
export function accessTokenClaimsProblem(
  payload: unknown,
  { requireTokenId = true }: ClaimsCheckOptions = {},
): string | undefined {
  if (!isRecord(payload)) return 'token payload is not a JSON object'
  const optional = (claim: string) =>
    !requireTokenId && TOKEN_ID_CLAIMS.has(claim) && payload[claim] === undefined
  for (const claim of STRING_CLAIMS) {
    if (optional(claim)) continue
    if (typeof payload[claim] !== 'string' || payload[claim] === '') {
      return `token claim '${claim}' is missing or not a string`
    }
  }
  for (const claim of NUMBER_CLAIMS) {
    if (optional(claim)) continue
    if (typeof payload[claim] !== 'number' || !Number.isFinite(payload[claim])) {
      return `token claim '${claim}' is missing or not a number`
    }
  }
  const { tokenBalances } = payload
  if (!isRecord(tokenBalances)) return "token claim 'tokenBalances' is not an object"
  for (const [category, balances] of Object.entries(tokenBalances)) {
    if (!BALANCE_CATEGORIES.has(category)) continue
    if (!isRecord(balances) || !Object.values(balances).every((balance) => typeof balance === 'string')) {
      return `token claim 'tokenBalances.${category}' must map keys to balance strings`
    }
  }
  const { tokenIdBalances, domain } = payload
  if (tokenIdBalances !== undefined) {
    const valid =
      isRecord(tokenIdBalances) &&
      Object.values(tokenIdBalances).every(
        (ids) => isRecord(ids) && Object.values(ids).every((balance) => typeof balance === 'string'),
      )
    if (!valid) return "token claim 'tokenIdBalances' must map contracts to id → balance strings"
  }
  if (domain !== undefined && (typeof domain !== 'string' || domain === '')) {
    return "token claim 'domain' must be a non-empty string"
  }
  const { blockNumber } = payload
  if (blockNumber !== undefined && !(Number.isSafeInteger(blockNumber) && (blockNumber as number) >= 0)) {
    return "token claim 'blockNumber' must be a non-negative integer"
  }
  if (
    payload.caip2 !== undefined &&
    (typeof payload.caip2 !== 'string' || caip2Family(payload.caip2) === undefined)
  ) {
    return "token claim 'caip2' must be a CAIP-2 chain id (eip155:<id> or solana:<reference>)"
  }
  const gateFactsProblem = gateFactsClaimProblem(payload.gateFacts)
  if (gateFactsProblem !== undefined) return gateFactsProblem
  if (payload.sid !== undefined && (typeof payload.sid !== 'string' || payload.sid === '')) {
    return "token claim 'sid' must be a non-empty string"
  }
  return undefined
}

function gateFactsClaimProblem(gateFacts: unknown): string | undefined {
  if (gateFacts === undefined) return undefined
  const problem = "token claim 'gateFacts' must map chains to { block?, met: { key: boolean } }"
  if (!isRecord(gateFacts)) return problem
  for (const facts of Object.values(gateFacts)) {
    if (!isRecord(facts) || !isRecord(facts.met)) return problem
    if (facts.block !== undefined && !(Number.isSafeInteger(facts.block) && (facts.block as number) >= 0))
      return problem
    if (!Object.values(facts.met).every((met) => typeof met === 'boolean')) return problem
  }
  return undefined
}

/**
 * `accessTokenClaimsProblem` for verifiers: every claim required.
 *
 * @throws InvalidTokenError naming the claim.
 */
export function assertAccessTokenClaims(payload: unknown): AccessTokenPayload {
  const problem = accessTokenClaimsProblem(payload)
  if (problem !== undefined) throw new InvalidTokenError(problem)
  return payload as AccessTokenPayload
}
