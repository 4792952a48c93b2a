import { formatDecimal, parseDecimal } from './decimal.js'
import { RequirementsError } from './errors.js'
import type { ChainType, Requirements } from './types.js'

/**
 * Requirement fields and the spellings every SDK has used for them (§2.11, §9 #6, #31).
 * The first spelling is canonical; later ones are read only when the canonical one is absent.
 */
const FIELD_SPELLINGS = {
  contractAddress: ['contractAddress', 'contract_address'],
  minTokenBalance: ['minTokenBalance', 'min_token_balance'],
  allowedWallets: ['allowedWallets', 'allowed_wallets'],
  tokenIds: ['tokenIds', 'token_ids'],
  collection: ['collection'],
  creatorAddress: ['creatorAddress', 'creator_address'],
} as const

type Field = keyof typeof FIELD_SPELLINGS

/** Every spelling of a requirement field, for lifting requirement fields off a request body. */
export const REQUIREMENT_FIELD_NAMES: readonly string[] = Object.values(FIELD_SPELLINGS).flat()

/** Canonical objects produced here, so the hot path can skip normalising them again. */
const canonical = new WeakSet<object>()

/** `""` and `null` are how picket-go and picket-python say "not given" (§9 #4). */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === ''
}

function read(input: Record<string, unknown>, field: Field): unknown {
  for (const name of FIELD_SPELLINGS[field]) {
    // Own properties only: `__proto__` or `constructor` smuggled into a body must not count.
    if (Object.hasOwn(input, name) && !isAbsent(input[name])) return input[name]
  }
  return undefined
}

function readString(input: Record<string, unknown>, field: Field): string | undefined {
  const value = read(input, field)
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new RequirementsError(field, `${field} must be a string`)
  return value
}

/**
 * Lists are kept even when empty: an empty `allowedWallets` or `tokenIds` is a requirement no
 * one meets, which fails closed if a list built from configuration comes out empty.
 */
function readStringList(
  input: Record<string, unknown>,
  field: Field,
  options: { acceptNumbers: boolean; acceptString: boolean },
): string[] | undefined {
  const value = read(input, field)
  if (value === undefined) return undefined
  if (typeof value === 'string' && options.acceptString) return [value]
  if (!Array.isArray(value)) {
    throw new RequirementsError(field, `${field} must be an array`)
  }
  return value.map((item, index) => {
    if (typeof item === 'string' && item !== '') return item
    // picket-python sends token ids as numbers (§9 #6); only safe integers convert exactly.
    if (options.acceptNumbers && typeof item === 'number' && Number.isSafeInteger(item) && item >= 0) {
      return String(item)
    }
    throw new RequirementsError(field, `${field}[${index}] must be a non-empty string`)
  })
}

function readMinTokenBalance(input: Record<string, unknown>): string | undefined {
  const value = read(input, 'minTokenBalance')
  if (value === undefined) return undefined
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new RequirementsError('minTokenBalance', 'minTokenBalance must be a number or a decimal string')
  }
  const parsed = parseDecimal(value)
  if (!parsed) {
    throw new RequirementsError('minTokenBalance', 'minTokenBalance must be a number or a decimal string')
  }
  if (parsed.coefficient < 0n) {
    throw new RequirementsError('minTokenBalance', 'minTokenBalance must not be negative')
  }
  const text = formatDecimal(parsed)
  // `1e400` parses, but its plain form would not parse again (over 400 characters); no token
  // balance is that large or that fine, so it is refused here rather than fail a comparison later.
  if (text.length > 400) {
    throw new RequirementsError(
      'minTokenBalance',
      'minTokenBalance is out of range (at most 400 digits written out)',
    )
  }
  return text
}

/**
 * Turns requirements in any SDK's spelling into one canonical, frozen object: absent fields
 * left out, `minTokenBalance` a plain decimal string, `collection` and ids lists of strings.
 *
 * `undefined`, `null`, `""` and `{}` mean "no requirements". Unknown keys are ignored, so a
 * whole request body may be passed (requirement fields at the top level, §9 #21).
 *
 * @throws RequirementsError naming the field that is wrong.
 */
export function normalizeRequirements(input: unknown): Requirements {
  if (isAbsent(input)) return freeze({})
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RequirementsError('requirements', 'requirements must be an object')
  }
  if (canonical.has(input as object)) return input as Requirements
  const source = input as Record<string, unknown>
  const result: {
    contractAddress?: string
    minTokenBalance?: string
    allowedWallets?: string[]
    tokenIds?: string[]
    collection?: string[]
    creatorAddress?: string
  } = {}
  const contractAddress = readString(source, 'contractAddress')
  if (contractAddress !== undefined) result.contractAddress = contractAddress
  const minTokenBalance = readMinTokenBalance(source)
  if (minTokenBalance !== undefined) result.minTokenBalance = minTokenBalance
  const allowedWallets = readStringList(source, 'allowedWallets', {
    acceptNumbers: false,
    acceptString: false,
  })
  if (allowedWallets !== undefined) result.allowedWallets = allowedWallets
  const tokenIds = readStringList(source, 'tokenIds', { acceptNumbers: true, acceptString: false })
  if (tokenIds !== undefined) result.tokenIds = tokenIds
  const collection = readStringList(source, 'collection', { acceptNumbers: false, acceptString: true })
  if (collection !== undefined) result.collection = collection
  const creatorAddress = readString(source, 'creatorAddress')
  if (creatorAddress !== undefined) result.creatorAddress = creatorAddress
  return freeze(result)
}

function freeze(requirements: Requirements): Requirements {
  for (const value of Object.values(requirements)) {
    if (Array.isArray(value)) Object.freeze(value)
  }
  Object.freeze(requirements)
  canonical.add(requirements)
  return requirements
}

/**
 * Requirements of a request body: its `requirements` object when given, otherwise requirement
 * fields found at the top level (picket-node 0.0.1 and the docs' curl examples, §9 #21).
 */
export function requirementsFromBody(body: Record<string, unknown>): Requirements {
  const nested = Object.hasOwn(body, 'requirements') ? body.requirements : undefined
  const nestedRequirements = normalizeRequirements(nested)
  if (!isEmptyRequirements(nestedRequirements)) return nestedRequirements
  return normalizeRequirements(body)
}

/** True when nothing is required: any signed-in wallet passes. */
export function isEmptyRequirements(requirements: Requirements): boolean {
  return Object.keys(requirements).length === 0
}

/** True when a token balance must be read to decide (anything beyond `allowedWallets`). */
export function hasTokenRequirements(requirements: Requirements): boolean {
  return (
    requirements.contractAddress !== undefined ||
    requirements.tokenIds !== undefined ||
    requirements.collection !== undefined ||
    requirements.creatorAddress !== undefined
  )
}

/**
 * The `allowedWallets` path of Picket's OR (§6.2). EVM addresses compare case-insensitively
 * (checksum casing is presentation); Solana and Flow addresses are case-sensitive.
 */
export function isAllowedWallet(
  walletAddress: string,
  requirements: Requirements,
  chainType: ChainType | string = 'ethereum',
): boolean {
  const list = requirements.allowedWallets
  if (!list || list.length === 0) return false
  if (chainType === 'ethereum') {
    const wanted = walletAddress.toLowerCase()
    return list.some((entry) => entry.toLowerCase() === wanted)
  }
  return list.includes(walletAddress)
}

/**
 * A stable string for caching: the same requirements give the same key whatever the input
 * spelling or key order. Lists keep their order and duplicates, because picket-js sums a
 * repeated token id twice (§6.3) and the key must not merge requirements that differ.
 */
export function requirementsKey(input: Requirements | unknown): string {
  const requirements = normalizeRequirements(input)
  const ordered: Record<string, unknown> = {}
  for (const field of Object.keys(FIELD_SPELLINGS) as Field[]) {
    const value = requirements[field]
    if (value === undefined) continue
    ordered[field] = value
  }
  return JSON.stringify(ordered)
}

/**
 * The most entries one set of requirements may list. Each token id, mint or collection is a
 * chain read (a Solana collection up to ten pages of them), so the lists are what bounds the
 * work one request can cause; an allowlist is only compared, so it may be longer.
 */
export const REQUIREMENT_LIMITS = Object.freeze({ tokenIds: 100, collection: 10, allowedWallets: 1000 })

/** Why requirements list more than `REQUIREMENT_LIMITS` allows, naming the limit, or `undefined`. */
export function requirementLimitProblem(requirements: Requirements): string | undefined {
  for (const field of ['tokenIds', 'collection', 'allowedWallets'] as const) {
    const list = requirements[field]
    const limit = REQUIREMENT_LIMITS[field]
    if (list && list.length > limit) {
      return `${field} lists ${list.length} entries; at most ${limit} are allowed per request`
    }
  }
  return undefined
}
