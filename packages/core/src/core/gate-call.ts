import { type AbiFunction, formatAbiItem, parseAbiItem } from 'abitype'
import { checkEvmAddress } from './addresses.js'
import type { ComparisonOperator } from './gate-language.js'
import { type ConfigErrorFactory, childPath, describeValue } from './strict-input.js'

/** The `'$wallet'` argument: the signed-in wallet's address. */
export const WALLET_ARGUMENT = '$wallet'

const OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte']
const INTEGER_TYPE = /^(u?)int(\d*)$/
const FIXED_BYTES = /^bytes([1-9]|[12][0-9]|3[0-2])$/

/**
 * A read-only function of a call condition, parsed with abitype from its human-readable form.
 * Refused: anything but one `function … view|pure returns (…)`, and argument or output types a
 * gate cannot write literally (arrays, tuples).
 */
export function parseCallFunction(value: unknown, path: string, fail: ConfigErrorFactory): AbiFunction {
  if (typeof value !== 'string' || value.length > 500) {
    throw fail(
      path,
      `must be a function signature such as 'function isMember(address) view returns (bool)', got ${describeValue(value)}`,
    )
  }
  let item: unknown
  try {
    item = parseAbiItem(value.trim().startsWith('function ') ? value : `function ${value}`)
  } catch (error) {
    throw fail(
      path,
      `is not a function signature abitype can parse: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  const fn = item as AbiFunction
  if (fn.type !== 'function') throw fail(path, 'must be a function')
  if (fn.stateMutability !== 'view' && fn.stateMutability !== 'pure') {
    throw fail(
      path,
      `must be a view or pure function (write 'view' in the signature), got ${fn.stateMutability}`,
    )
  }
  if (fn.outputs.length === 0) throw fail(path, "returns nothing: add 'returns (…)' to compare its result")
  for (const parameter of [...fn.inputs, ...fn.outputs]) {
    if (!isScalarType(parameter.type)) {
      throw fail(
        path,
        `uses type ${parameter.type}: a gate call takes and compares address, bool, string, bytes, intN and uintN only`,
      )
    }
  }
  return fn
}

/** The canonical text of a parsed function (names of parameters dropped, spacing fixed). */
export function formatCallFunction(fn: AbiFunction): string {
  return formatAbiItem({
    ...fn,
    inputs: fn.inputs.map(({ type }) => ({ type })),
    outputs: fn.outputs.map(({ type }) => ({ type })),
  } as AbiFunction)
}

function isScalarType(type: string): boolean {
  if (type === 'address' || type === 'bool' || type === 'string' || type === 'bytes') return true
  if (FIXED_BYTES.test(type)) return true
  const integer = INTEGER_TYPE.exec(type)
  if (!integer) return false
  const bits = integer[2] === '' ? 256 : Number(integer[2])
  return bits >= 8 && bits <= 256 && bits % 8 === 0
}

/**
 * A literal of an ABI type, canonical: integers as decimal strings within the type's range,
 * addresses and bytes as lower-case hex, booleans as booleans. `'$wallet'` stands for an address.
 */
export function canonicalAbiValue(
  type: string,
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
): string | boolean {
  if (value === WALLET_ARGUMENT) {
    if (type === 'address') return WALLET_ARGUMENT
    throw fail(path, `'$wallet' is an address, but this is ${type}`)
  }
  const integer = INTEGER_TYPE.exec(type)
  if (integer) {
    const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value
    if (typeof text !== 'string' || !/^-?[0-9]{1,78}$/.test(text)) {
      throw fail(path, `must be an integer (as a string of digits) for ${type}, got ${describeValue(value)}`)
    }
    const parsed = BigInt(text)
    const bits = BigInt(integer[2] === '' ? 256 : Number(integer[2]))
    const [low, high] =
      integer[1] === 'u' ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n]
    if (parsed < low || parsed > high) throw fail(path, `is out of range for ${type}`)
    return parsed.toString()
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean')
      throw fail(path, `must be true or false for bool, got ${describeValue(value)}`)
    return value
  }
  if (type === 'address') {
    const check = checkEvmAddress(value)
    if (check !== 'valid') {
      throw fail(
        path,
        check === 'bad-checksum'
          ? 'has a bad EIP-55 checksum: copy the address again or write it in lower case'
          : `must be an address (0x + 40 hex digits) or '$wallet', got ${describeValue(value)}`,
      )
    }
    return (value as string).toLowerCase()
  }
  if (type === 'string') {
    if (typeof value !== 'string' || value.length > 1000)
      throw fail(path, `must be a string of at most 1000 characters, got ${describeValue(value)}`)
    return value
  }
  const fixed = FIXED_BYTES.exec(type)
  const pattern = fixed
    ? new RegExp(`^0x[0-9a-fA-F]{${Number(fixed[1]) * 2}}$`)
    : /^0x([0-9a-fA-F]{2}){0,1024}$/
  if (typeof value !== 'string' || !pattern.test(value))
    throw fail(path, `must be 0x-prefixed hex for ${type}, got ${describeValue(value)}`)
  return value.toLowerCase()
}

/** The comparison of a call condition: exactly one operator, one that the output type allows. */
export function parseComparison(
  value: unknown,
  outputType: string,
  path: string,
  fail: ConfigErrorFactory,
): { operator: ComparisonOperator; value: string | boolean } {
  const shape = `exactly one of { ${OPERATORS.join(', ')} }, e.g. { gte: '1' }`
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fail(path, `must be ${shape}`)
  const entries = Object.entries(value)
  const unknown = entries.find(([key]) => !OPERATORS.includes(key as ComparisonOperator))
  if (unknown) throw fail(path, `unknown operator '${unknown[0]}': use ${shape}`)
  if (entries.length !== 1) throw fail(path, `must be ${shape}`)
  const [operator, operand] = entries[0] as [ComparisonOperator, unknown]
  if (operator !== 'eq' && operator !== 'ne' && !INTEGER_TYPE.test(outputType)) {
    throw fail(childPath(path, operator), `orders numbers, but the output is ${outputType}: use eq or ne`)
  }
  // `{ eq: '$wallet' }` on an address output: "the function answers the signed-in wallet".
  return { operator, value: canonicalAbiValue(outputType, operand, childPath(path, operator), fail) }
}
