/**
 * Exact decimal arithmetic on the strings Picket uses for balances (§2.11: "decimal strings
 * after applying token decimals"). A value is `coefficient × 10^exponent` with a bigint
 * coefficient, so "0.1337" and "0.13370" compare equal and integers above 2^53 stay exact.
 * No floats, no bignumber library.
 */

export interface Decimal {
  readonly coefficient: bigint
  readonly exponent: number
}

/**
 * Accepted syntax, the subset of what picket-js's BigNumber accepts that balances and minimums
 * can reasonably use: optional sign, digits with an optional fraction (`12`, `12.5`, `.5`,
 * `5.`), and an optional exponent (`1e3`, `2.5E-2`). Everything else is not a number.
 */
const DECIMAL_SYNTAX = /^([+-])?(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$/

/**
 * Exponents beyond this are refused: `1e999999999` would otherwise make a bigint with a
 * billion digits, a cheap way to stall the process. No token balance needs more.
 */
export const MAX_DECIMAL_EXPONENT = 1000

/** Parses a decimal string or a finite number; `undefined` when it is not a usable number. */
export function parseDecimal(value: string | number): Decimal | undefined {
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined
    // String(n) is the shortest round-trip form, e.g. 0.1 → "0.1", 1e21 → "1e+21".
    text = String(value)
  } else if (typeof value === 'string') {
    text = value.trim()
  } else {
    return undefined
  }
  if (text.length > 400) return undefined
  const match = DECIMAL_SYNTAX.exec(text)
  if (!match) return undefined
  const [, sign, mantissa = '', exponentText] = match
  const [integerPart = '', fractionPart = ''] = mantissa.split('.')
  const exponent = (exponentText ? Number(exponentText) : 0) - fractionPart.length
  if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) return undefined
  const digits = `${integerPart}${fractionPart}`
  let coefficient = BigInt(digits)
  if (sign === '-') coefficient = -coefficient
  return normalize({ coefficient, exponent })
}

/** Removes trailing zeros so every value has one representation. */
function normalize(value: Decimal): Decimal {
  let { coefficient, exponent } = value
  if (coefficient === 0n) return { coefficient: 0n, exponent: 0 }
  while (coefficient % 10n === 0n) {
    coefficient /= 10n
    exponent += 1
  }
  return { coefficient, exponent }
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent)
  return [
    a.coefficient * 10n ** BigInt(a.exponent - exponent),
    b.coefficient * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ]
}

export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const [x, y] = align(a, b)
  return x < y ? -1 : x > y ? 1 : 0
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b)
  return normalize({ coefficient: x + y, exponent })
}

export function isZeroDecimal(value: Decimal): boolean {
  return value.coefficient === 0n
}

/** Plain positional notation, never an exponent: `1000`, `0.1337`, `-2.5`. */
export function formatDecimal(value: Decimal): string {
  const { coefficient, exponent } = normalize(value)
  const negative = coefficient < 0n
  const digits = (negative ? -coefficient : coefficient).toString()
  let text: string
  if (exponent >= 0) {
    text = digits + '0'.repeat(exponent)
  } else {
    const point = digits.length + exponent
    text = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`
  }
  return negative ? `-${text}` : text
}

/** Compares two decimal strings exactly; throws on a value that is not a number. */
export function compareDecimals(a: string | number, b: string | number): -1 | 0 | 1 {
  return compareDecimal(parseDecimalOrThrow(a), parseDecimalOrThrow(b))
}

/** Adds two decimal strings exactly and returns plain notation; throws on a non-number. */
export function addDecimals(a: string | number, b: string | number): string {
  return formatDecimal(addDecimal(parseDecimalOrThrow(a), parseDecimalOrThrow(b)))
}

function parseDecimalOrThrow(value: string | number): Decimal {
  const parsed = parseDecimal(value)
  if (!parsed) throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`)
  return parsed
}
