import type { Requirements } from 'picket-core'
import {
  expectObject,
  optionalBoolean,
  optionalString,
  REQUIREMENT_FIELD_NAMES,
  RequirementsError,
  requiredInteger,
  requiredString,
  requirementLimitProblem,
  requirementsFromBody,
} from 'picket-core'
import { badChecksumProblem } from './chains/addresses.js'
import { invalidField as fail, parameterInvalid } from './errors.js'

/**
 * Turns request bodies as each SDK sends them into one shape (reference §9, suggested order):
 * requirement fields at the top level are lifted (§9 #21), `wallet_address` / `token_ids` and
 * other snake_case spellings are read as their camelCase names (§9 #2, #6, #31), `""` and
 * `null` count as absent (§9 #4), an empty or all-empty `context` is dropped (§9 #5), numeric
 * strings become numbers (§9 #5, #8), a string `collection` becomes a list (§9 #7), and `chain`
 * defaults to `ethereum` (§9 #20). Malformed input is a 400 naming the field.
 *
 * The tolerance (aliases, absent values) is wire-specific and stays here; the type checks of
 * what remains are core's strict-input helpers, so their wording is the plugin's and client's.
 */

export const DEFAULT_CHAIN = 'ethereum'

type Body = Record<string, unknown>

/** Signing context with absent fields removed and `chainId` a number. */
export interface NormalizedContext {
  domain?: string
  uri?: string
  chainId?: number
  issuedAt?: string
  chainType?: string
  locale?: string
}

export interface NormalizedNonceRequest {
  chain: string
  walletAddress: string
  locale?: string
}

export interface NormalizedAuthRequest {
  chain: string
  walletAddress: string
  signature: string
  requirements: Requirements
  context?: NormalizedContext
}

export interface NormalizedAuthzRequest {
  accessToken: string
  requirements: Requirements
  /** A gate in the gate language (this package's extension), unparsed; instead of requirements. */
  gate?: unknown
  revalidate: boolean
}

export interface NormalizedValidateRequest {
  accessToken: string
  requirements: Requirements
  gate?: unknown
}

/**
 * `gate` (this package's extension, parsed strictly by the route) instead of requirements:
 * both in one body is a 400, not a choice made for the caller.
 */
function gateOf(body: Body): { gate?: unknown } {
  if (!Object.hasOwn(body, 'gate') || body.gate === undefined) return {}
  const requirements = REQUIREMENT_FIELD_NAMES.concat('requirements').filter((name) => !isAbsent(body[name]))
  if (requirements.length > 0) {
    throw parameterInvalid(
      `gate and ${requirements[0]} in one request: send a gate or requirements, not both`,
    )
  }
  return { gate: body.gate }
}

/** `undefined`, `null` and `""`: every SDK sends one of them for "not provided" (§9 #4). */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === ''
}

function asBody(body: unknown): Body {
  return expectObject(body, 'Request body', fail, 'a JSON object')
}

/** The first present spelling of a field (own properties only). */
function pick(body: Body, names: readonly string[]): unknown {
  for (const name of names) {
    if (Object.hasOwn(body, name) && !isAbsent(body[name])) return body[name]
  }
  return undefined
}

function optionalText(body: Body, names: readonly string[], label = names[0]!): string | undefined {
  return optionalString(pick(body, names), label, fail)
}

function requiredText(body: Body, names: readonly string[], label = names[0]!): string {
  return requiredString(pick(body, names), label, fail)
}

function requirementsOf(body: Body): Requirements {
  let requirements: Requirements
  try {
    requirements = requirementsFromBody(body)
  } catch (error) {
    // Core's messages name the field ("allowedWallets must be an array", which picket-js
    // recognizes, §2.2).
    if (error instanceof RequirementsError) throw parameterInvalid(error.message)
    throw error
  }
  // Bounded work: each listed id or collection is a chain read.
  const tooMany = requirementLimitProblem(requirements)
  if (tooMany) throw parameterInvalid(tooMany)
  assertChecksums(requirements)
  return requirements
}

/**
 * EVM addresses in requirements are taken in lower case or checksummed; a mixed-case one with a
 * wrong EIP-55 checksum is a typo, and a gate must not open (or stay shut) for the address it
 * names instead: 400 before any signature or chain work.
 */
function assertChecksums(requirements: Requirements): void {
  const contract = badChecksumProblem(requirements.contractAddress)
  if (contract) throw parameterInvalid(`requirements.contractAddress ${contract}`)
  for (const [index, wallet] of (requirements.allowedWallets ?? []).entries()) {
    const problem = badChecksumProblem(wallet)
    if (problem) throw parameterInvalid(`requirements.allowedWallets[${index}] ${problem}`)
  }
}

/** A chain id as a number: JSON numbers from picket-js/python, numeric strings from picket-go (§9 #5). */
function chainIdOf(value: unknown): number | undefined {
  if (isAbsent(value)) return undefined
  const numeric = typeof value === 'string' && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(value)
  return requiredInteger(numeric ? Number(value.trim()) : value, 'context.chainId', fail, { min: 1 })
}

function contextOf(body: Body): NormalizedContext | undefined {
  const raw = pick(body, ['context'])
  if (raw === undefined) return undefined
  const source = expectObject(raw, 'context', fail)
  const context: NormalizedContext = {}
  const fields = [
    ['domain', ['domain']],
    ['uri', ['uri']],
    ['issuedAt', ['issuedAt', 'issued_at']],
    ['chainType', ['chainType', 'chain_type']],
    ['locale', ['locale']],
  ] as const
  for (const [field, names] of fields) {
    const value = optionalText(source, names, `context.${field}`)
    if (value !== undefined) context[field] = value
  }
  const chainId = chainIdOf(pick(source, ['chainId', 'chain_id', 'chainID']))
  if (chainId !== undefined) context.chainId = chainId
  // picket-go always sends six empty strings: that is "no context" (§9 #5).
  return Object.keys(context).length > 0 ? context : undefined
}

function chainOf(body: Body): string {
  return optionalText(body, ['chain']) ?? DEFAULT_CHAIN
}

/** `POST /auth/nonce`. */
export function normalizeNonceRequest(input: unknown): NormalizedNonceRequest {
  const body = asBody(input)
  const walletAddress = requiredText(body, ['walletAddress', 'wallet_address'])
  const locale = optionalText(body, ['locale'])
  return { chain: chainOf(body), walletAddress, ...(locale ? { locale } : {}) }
}

/** `POST /auth`. */
export function normalizeAuthRequest(input: unknown): NormalizedAuthRequest {
  const body = asBody(input)
  const request: NormalizedAuthRequest = {
    chain: chainOf(body),
    walletAddress: requiredText(body, ['walletAddress', 'wallet_address']),
    signature: requiredText(body, ['signature']),
    requirements: requirementsOf(body),
  }
  const context = contextOf(body)
  if (context) request.context = context
  return request
}

/** A boolean; its string forms `"true"` / `"false"` are read as well. */
function revalidateOf(body: Body): boolean {
  const value = pick(body, ['revalidate'])
  const flag = value === 'true' ? true : value === 'false' ? false : value
  return optionalBoolean(flag, 'revalidate', fail) ?? false
}

/** `POST /authz`. */
export function normalizeAuthzRequest(input: unknown): NormalizedAuthzRequest {
  const body = asBody(input)
  return {
    accessToken: requiredText(body, ['accessToken', 'access_token']),
    requirements: requirementsOf(body),
    ...gateOf(body),
    revalidate: revalidateOf(body),
  }
}

/** `POST /auth/validate`. */
export function normalizeValidateRequest(input: unknown): NormalizedValidateRequest {
  const body = asBody(input)
  return {
    accessToken: requiredText(body, ['accessToken', 'access_token']),
    requirements: requirementsOf(body),
    ...gateOf(body),
  }
}

/**
 * `POST /chains/:chain/wallets/:walletAddress/tokenOwnership`: flat (picket-node, picket-go,
 * docs) or nested `{ requirements: {…} }` (picket-python README), §9 #9. A missing body is
 * treated as no requirements so the route can say what is missing.
 */
export function normalizeTokenOwnershipRequest(input: unknown): Requirements {
  if (input === undefined || input === null) return requirementsOf({})
  return requirementsOf(asBody(input))
}
