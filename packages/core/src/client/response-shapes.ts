import { accessTokenClaimsProblem } from '../core/access-token-claims.js'
import { isRecord } from '../core/is-record.js'
import type {
  AccessTokenPayload,
  AuthResponse,
  ChainInfo,
  NonceResponse,
  SigningMessageFormat,
  TokenOwnershipResponse,
} from '../core/types.js'

/**
 * Checks of 2xx bodies: only what this package (and picket-python, the strictest SDK, §9 #13)
 * relies on is required; optional fields are type-checked only when present. A failed check
 * becomes `PicketUnexpectedResponseError`, so a bad server can never hand a wrong type to a caller.
 */

/** Either the checked (and possibly unwrapped) value or the first problem found. */
export type ShapeResult<T> = { readonly value: T } | { readonly problem: string }

/** A check of one endpoint's 2xx body. */
export type ResponseShape<T> = (body: unknown) => ShapeResult<T>

/**
 * `tokenOwnership` answers differ per Picket version (§2.7, §9 #10): only `allowed` is certain;
 * the other fields of the superset are present on the bundled authority.
 */
export type TokenOwnershipResult = Pick<TokenOwnershipResponse, 'allowed'> & Partial<TokenOwnershipResponse>

type Kind = 'string' | 'number' | 'boolean' | 'object'
type FieldRules = Readonly<Record<string, Kind>>

const USER_FIELDS: FieldRules = {
  chain: 'string',
  walletAddress: 'string',
  displayAddress: 'string',
  tokenBalances: 'object',
}
const CHAIN_FIELDS: FieldRules = { chainSlug: 'string', chainId: 'number', chainType: 'string' }
const OPTIONAL_CHAIN_FIELDS: FieldRules = {
  chainName: 'string',
  publicRPC: 'string',
  authorizationSupported: 'boolean',
}
const OPTIONAL_OWNERSHIP_FIELDS: FieldRules = {
  walletAddress: 'string',
  tokenBalance: 'string',
  tokenBalances: 'object',
}
const SIGNING_FORMATS: ReadonlySet<unknown> = new Set<SigningMessageFormat>(['simple', 'siwe'])

function hasKind(value: unknown, kind: Kind): boolean {
  if (kind === 'object') return isRecord(value)
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value)
  return typeof value === kind
}

/** First field of `record` that breaks `rules`; with `optional`, absent fields are fine. */
function fieldProblem(
  record: Record<string, unknown>,
  rules: FieldRules,
  prefix: string,
  optional = false,
): string | undefined {
  for (const [key, kind] of Object.entries(rules)) {
    const value = record[key]
    if (optional && value === undefined) continue
    if (!hasKind(value, kind))
      return `${prefix}${key} is not ${kind === 'object' ? 'an object' : `a ${kind}`}`
  }
  return undefined
}

/** `user.` → `user`, `` → `body`: the object a field prefix points into. */
function objectName(prefix: string): string {
  return prefix === '' ? 'body' : prefix.slice(0, -1)
}

/** Checks that `value` is an object, then its fields, in that order. */
function recordProblem(
  value: unknown,
  prefix: string,
  check: (record: Record<string, unknown>) => string | undefined,
): string | undefined {
  return isRecord(value) ? check(value) : `${objectName(prefix)} is not a JSON object`
}

function userProblem(user: unknown, prefix: string): string | undefined {
  return recordProblem(user, prefix, (record) => fieldProblem(record, USER_FIELDS, prefix))
}

function chainProblem(chain: unknown, prefix: string): string | undefined {
  return recordProblem(
    chain,
    prefix,
    (record) =>
      fieldProblem(record, CHAIN_FIELDS, prefix) ?? fieldProblem(record, OPTIONAL_CHAIN_FIELDS, prefix, true),
  )
}

function result<T>(body: unknown, problem: string | undefined): ShapeResult<T> {
  return problem === undefined ? { value: body as T } : { problem }
}

/** `POST /auth/nonce` (§2.1): `format` is required because the signing message depends on it. */
export const nonceShape: ResponseShape<NonceResponse> = (body) =>
  result(
    body,
    recordProblem(
      body,
      '',
      (record) =>
        fieldProblem(record, { nonce: 'string', statement: 'string' }, '') ??
        (SIGNING_FORMATS.has(record.format) ? undefined : 'format is not "simple" or "siwe"'),
    ),
  )

/** `POST /auth` and `POST /authz` (§2.2, §2.3). */
export const authShape: ResponseShape<AuthResponse> = (body) =>
  result(
    body,
    recordProblem(
      body,
      '',
      (record) => fieldProblem(record, { accessToken: 'string' }, '') ?? userProblem(record.user, 'user.'),
    ),
  )

/**
 * `POST /auth/validate` (§2.4): the token's claims, by core's one claims rule; `tid` and `ver`
 * only when present, because not every Picket version is known to have emitted them.
 */
export const validateShape: ResponseShape<AccessTokenPayload> = (body) =>
  result(
    body,
    recordProblem(body, '', (record) => accessTokenClaimsProblem(record, { requireTokenId: false })),
  )

/** `POST /chains/{chain}/wallets/{walletAddress}/tokenOwnership` (§2.7). */
export const tokenOwnershipShape: ResponseShape<TokenOwnershipResult> = (body) =>
  result(
    body,
    recordProblem(
      body,
      '',
      (record) =>
        fieldProblem(record, { allowed: 'boolean' }, '') ??
        fieldProblem(record, OPTIONAL_OWNERSHIP_FIELDS, '', true),
    ),
  )

/** `GET /chains/{chain}` (§2.6): a bare ChainInfo. */
export const chainInfoShape: ResponseShape<ChainInfo> = (body) => result(body, chainProblem(body, ''))

/** `GET /chains` (§2.5): the list is wrapped in `data`; the value is the unwrapped list. */
export const chainsShape: ResponseShape<ChainInfo[]> = (body) => {
  const problem = recordProblem(body, '', ({ data }) => {
    if (!Array.isArray(data)) return 'data is not an array'
    for (const [index, chain] of data.entries()) {
      const chainError = chainProblem(chain, `data[${index}].`)
      if (chainError !== undefined) return chainError
    }
    return undefined
  })
  return problem === undefined ? { value: (body as { data: ChainInfo[] }).data } : { problem }
}
