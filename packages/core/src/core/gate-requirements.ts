import { checkEvmAddress, isSolanaAddress } from './addresses.js'
import { tokenIdKey } from './claims-satisfy.js'
import { parseDecimal } from './decimal.js'
import { normalizeRequirements, REQUIREMENT_LIMITS } from './requirements.js'
import {
  type ConfigErrorFactory,
  childPath,
  describeValue,
  expectRecord,
  refuseUnknownKeys,
} from './strict-input.js'
import type { ChainType, Requirements } from './types.js'

/**
 * Requirements as a server author writes them in a gate (`config.picket`, `gate()`, login
 * requirements): Picket's fields in their canonical spelling only.
 */
export interface GateRequirements {
  /** EVM token contract (ERC-20, ERC-721 or ERC-1155). */
  contractAddress?: string
  /** Minimum balance, a decimal (`'1'`, `'0.5'`); absent means "more than zero". */
  minTokenBalance?: string | number
  /** Wallets let in whatever they hold (Picket's OR). */
  allowedWallets?: readonly string[]
  /** EVM: token ids of `contractAddress` as strings of digits. Solana: SPL mint addresses. */
  tokenIds?: readonly string[]
  /** Solana: Metaplex collection address(es). */
  collection?: string | readonly string[]
  /** Solana: verified creator address. */
  creatorAddress?: string
}

/** The requirement fields a gate takes, in their canonical spelling. */
export const GATE_REQUIREMENT_FIELDS = [
  'contractAddress',
  'minTokenBalance',
  'allowedWallets',
  'tokenIds',
  'collection',
  'creatorAddress',
] as const
const GATE_OPTION_HINT = "is a gate option: put it beside 'requirements', not inside it"

const DIGITS = /^[0-9]{1,78}$/
const PLAIN_DECIMAL = /^[0-9]+(\.[0-9]+)?$/

/**
 * Validates server-side requirements strictly and returns them canonical (as core's
 * `normalizeRequirements` would). Refused, each with its path and the fix:
 * unknown keys (with a did-you-mean), SDK spellings (`token_ids`), absent values (`undefined`,
 * `null`, `''`, often an unset environment variable), an empty object or list, addresses that
 * are not valid for the chain family (EVM: `0x` + 40 hex with a correct EIP-55 checksum when
 * mixed case; Solana: base58 of 32 bytes), token ids that are not non-negative integer strings,
 * negative or non-decimal minimums, a minimum with no token to count, and EVM and Solana fields
 * in one gate (a gate applies to one chain).
 *
 * @param chainType the family of the chain the gate applies to; when absent it is inferred
 *   from the fields (`contractAddress` → EVM; `collection`/`creatorAddress`/mint `tokenIds` → Solana).
 */
export function parseGateRequirements(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  chainType?: ChainType,
): Requirements {
  const input = expectRecord(value, path, fail, "an object such as { contractAddress: '0x…' }")
  refuseUnknownKeys(
    input,
    {
      keys: GATE_REQUIREMENT_FIELDS,
      elsewhere: {
        optional: GATE_OPTION_HINT,
        revalidate: GATE_OPTION_HINT,
        incremental: GATE_OPTION_HINT,
        chain: GATE_OPTION_HINT,
        requirements: 'requirements are nested twice: write { requirements: { contractAddress: … } }',
      },
    },
    path,
    fail,
  )
  const keys = Object.keys(input)
  if (keys.length === 0) {
    throw fail(
      path,
      'is empty: name what a wallet must hold (or list allowedWallets), or gate with `true` for any signed-in wallet',
    )
  }
  for (const key of keys) {
    const field = input[key]
    if (field === undefined || field === null || field === '') {
      throw fail(
        childPath(path, key),
        `is ${describeValue(field)} — an unset environment variable? Give a value or remove the key (an absent requirement would let more wallets in)`,
      )
    }
  }

  const family = chainFamily(input, path, fail, chainType)
  const where = (key: string) => childPath(path, key)

  if (input.contractAddress !== undefined) evmAddress(input.contractAddress, where('contractAddress'), fail)
  if (input.minTokenBalance !== undefined) {
    minimum(input.minTokenBalance, where('minTokenBalance'), fail)
    if (
      !GATE_REQUIREMENT_FIELDS.some(
        (f) => f !== 'minTokenBalance' && f !== 'allowedWallets' && input[f] !== undefined,
      )
    ) {
      throw fail(
        where('minTokenBalance'),
        'has no token to count: add contractAddress (EVM) or tokenIds, collection or creatorAddress (Solana)',
      )
    }
  }
  if (input.allowedWallets !== undefined) {
    list(input.allowedWallets, where('allowedWallets'), fail, 'allowedWallets', (entry, at) =>
      walletAddress(entry, at, fail, family),
    )
  }
  if (input.tokenIds !== undefined) {
    list(input.tokenIds, where('tokenIds'), fail, 'tokenIds', (entry, at) =>
      family === 'ethereum'
        ? tokenId(entry, at, fail)
        : solanaAddress(entry, at, fail, 'an SPL mint address'),
    )
  }
  if (input.collection !== undefined) {
    const at = where('collection')
    if (typeof input.collection === 'string')
      solanaAddress(input.collection, at, fail, 'a collection address')
    else
      list(input.collection, at, fail, 'collection', (entry, p) =>
        solanaAddress(entry, p, fail, 'a collection address'),
      )
  }
  if (input.creatorAddress !== undefined) {
    solanaAddress(input.creatorAddress, where('creatorAddress'), fail, 'a creator address')
  }
  return normalizeRequirements(input)
}

/** The chain family the fields belong to; EVM and Solana fields together are refused. */
function chainFamily(
  input: Record<string, unknown>,
  path: string,
  fail: ConfigErrorFactory,
  chainType: ChainType | undefined,
): ChainType | undefined {
  const evm = input.contractAddress !== undefined
  const solanaField = (['collection', 'creatorAddress'] as const).find((f) => input[f] !== undefined)
  if (chainType === 'flow') {
    const token = GATE_REQUIREMENT_FIELDS.find((f) => f !== 'allowedWallets' && input[f] !== undefined)
    if (token)
      throw fail(
        childPath(path, token),
        'cannot be checked on Flow (no token gating there): use allowedWallets',
      )
    return 'flow'
  }
  if (chainType === 'solana' && evm) {
    throw fail(
      childPath(path, 'contractAddress'),
      'is an EVM requirement, but this gate is on a Solana chain',
    )
  }
  if (chainType === 'ethereum' && solanaField) {
    throw fail(childPath(path, solanaField), 'is a Solana requirement, but this gate is on an EVM chain')
  }
  if (evm && solanaField) {
    throw fail(
      path,
      `mixes contractAddress (EVM) with ${solanaField} (Solana): a gate applies to one chain, so write one gate per chain`,
    )
  }
  if (chainType === 'ethereum' && !evm && input.tokenIds !== undefined) {
    throw fail(childPath(path, 'tokenIds'), 'are ids of a contract on an EVM chain: add contractAddress')
  }
  if (chainType !== undefined) return chainType
  if (evm) return 'ethereum'
  if (solanaField || input.tokenIds !== undefined) return 'solana'
  return undefined
}

/**
 * A list field: an array, not empty, at most `REQUIREMENT_LIMITS[field]` long (each entry is a
 * chain read), no entry twice (Picket sums listed balances, so a repeated mint or collection
 * would count twice), each entry checked.
 */
function list(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  field: keyof typeof REQUIREMENT_LIMITS,
  check: (entry: unknown, path: string) => void,
): void {
  if (!Array.isArray(value)) throw fail(path, `must be an array, got ${describeValue(value)}`)
  if (value.length === 0)
    throw fail(path, 'is empty: no wallet could meet it (remove it, or list at least one)')
  const limit = REQUIREMENT_LIMITS[field]
  if (value.length > limit) {
    throw fail(path, `lists ${value.length} entries; at most ${limit} are allowed (each is checked on chain)`)
  }
  const seen = new Set<unknown>()
  for (const [index, entry] of value.entries()) {
    check(entry, childPath(path, index))
    // The same entry in another spelling: an EVM address in other case, a token id with zeros.
    const key =
      typeof entry !== 'string'
        ? entry
        : /^0x[0-9a-fA-F]{40}$/.test(entry)
          ? entry.toLowerCase()
          : /^[0-9]+$/.test(entry)
            ? BigInt(entry).toString()
            : entry
    if (seen.has(key))
      throw fail(childPath(path, index), `repeats ${describeValue(entry)}: list each entry once`)
    seen.add(key)
  }
}

function evmAddress(value: unknown, path: string, fail: ConfigErrorFactory): void {
  const check = checkEvmAddress(value)
  if (check === 'malformed') {
    throw fail(path, `must be an EVM address (0x followed by 40 hex digits), got ${describeValue(value)}`)
  }
  if (check === 'bad-checksum') {
    throw fail(
      path,
      `${describeValue(value)} fails its EIP-55 checksum: check it for a typo (or write it all in lower case)`,
    )
  }
}

function solanaAddress(value: unknown, path: string, fail: ConfigErrorFactory, what: string): void {
  if (!isSolanaAddress(value)) {
    throw fail(path, `must be ${what} (base58 of 32 bytes), got ${describeValue(value)}`)
  }
}

function walletAddress(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  family: ChainType | undefined,
): void {
  if (family === 'ethereum') {
    evmAddress(value, path, fail)
    return
  }
  if (family === 'solana') {
    solanaAddress(value, path, fail, 'a Solana wallet address')
    return
  }
  if (family === 'flow') {
    if (typeof value === 'string' && /^(0x)?[0-9a-fA-F]{16}$/.test(value)) return
    throw fail(path, `must be a Flow address (8 bytes of hex), got ${describeValue(value)}`)
  }
  // No token fields and no chain given: any wallet address of a family Picket knows.
  if (checkEvmAddress(value) !== 'malformed') {
    evmAddress(value, path, fail)
    return
  }
  if (isSolanaAddress(value)) return
  throw fail(
    path,
    `must be a wallet address (EVM 0x + 40 hex, or Solana base58), got ${describeValue(value)}`,
  )
}

function tokenId(value: unknown, path: string, fail: ConfigErrorFactory): void {
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ` — write it as a string ('${value}'): ids can exceed 2^53` : ''
    throw fail(path, `must be a token id as a string of digits, got ${describeValue(value)}${hint}`)
  }
  if (!DIGITS.test(value) || tokenIdKey(value) === undefined) {
    throw fail(path, `must be a token id as a string of digits (a uint256), got ${describeValue(value)}`)
  }
}

function minimum(value: unknown, path: string, fail: ConfigErrorFactory): void {
  if (typeof value === 'number') {
    // A double is exact only for safe integers: 9007199254740993 would silently become …992
    // (letting more wallets in), and 0.1 + 0.2 is not 0.3.
    if (Number.isSafeInteger(value) && value >= 0) return
    const hint =
      Number.isFinite(value) && value >= 0
        ? ` — write it as a decimal string ('${value}' is not exact as a number)`
        : ''
    throw fail(path, `must be a non-negative decimal such as 1 or '0.5', got ${describeValue(value)}${hint}`)
  }
  if (typeof value !== 'string' || !PLAIN_DECIMAL.test(value) || parseDecimal(value) === undefined) {
    throw fail(path, `must be a non-negative decimal such as 1 or '0.5', got ${describeValue(value)}`)
  }
}
