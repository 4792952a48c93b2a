import { closestKey } from './did-you-mean.js'
import { isRecord } from './is-record.js'

/**
 * Helpers for validating configuration a server author writes (plugin options, route gates,
 * authority config). Each takes the value, its path (`verify.issuer`, `config.picket.requirements`)
 * and an error factory, so every adapter throws its own error type with one wording.
 *
 * These are strict on purpose: an unknown key, a wrong type or an empty value is refused with
 * the path and what to write instead. Request bodies from official SDKs and client call
 * arguments use the type checks only (`expectObject`, `optionalString`, …), after their own
 * wire-specific tolerance (field aliases, `null` and `""` as absent), which stays with them.
 */
export type ConfigErrorFactory = (path: string, problem: string) => Error

/** `path.key`, or `key` at the top level. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** A short, safe rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return 'an array'
  if (isRecord(value)) return 'an object'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/**
 * Any object that is not `null` or an array (class instances included), returned as is. For
 * input that is only read, not kept: request bodies and call arguments. Configuration takes
 * {@link expectRecord}, which builds on this one.
 */
export function expectObject(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  shape = 'an object',
): Record<string, unknown> {
  if (!isRecord(value)) throw fail(path, `must be ${shape}, got ${describeValue(value)}`)
  return value
}

/** {@link expectObject}, or `undefined` when absent. */
export function optionalObject(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  shape = 'an object',
): Record<string, unknown> | undefined {
  return value === undefined ? undefined : expectObject(value, path, fail, shape)
}

/**
 * A plain object (an object literal, JSON, or `Object.create(null)`), returned as a snapshot of
 * its own properties. Class instances, Maps, objects that inherit from another object, and
 * getters are refused: what is validated must be exactly what is used later, and a value read
 * through a prototype or a getter could differ between the two reads (or be dropped by a copy).
 */
export function expectRecord(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  shape = 'an object',
): Record<string, unknown> {
  const object = expectObject(value, path, fail, shape)
  const prototype = Object.getPrototypeOf(object)
  if (prototype !== Object.prototype && prototype !== null) {
    throw fail(
      path,
      `must be a plain object (${shape}), got an instance of ${prototype?.constructor?.name ?? 'another object'}`,
    )
  }
  const snapshot: Record<string, unknown> = {}
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(object))) {
    if (!descriptor.enumerable) continue
    if (!('value' in descriptor)) throw fail(childPath(path, key), 'must be a plain value, not a getter')
    snapshot[key] = descriptor.value
  }
  return snapshot
}

export interface KnownKeys {
  /** Keys this object takes. */
  readonly keys: readonly string[]
  /**
   * Keys that belong somewhere else, with the hint to give (e.g. requirement fields written
   * one level too high: `contractAddress` → "requirement fields go inside 'requirements'").
   */
  readonly elsewhere?: Readonly<Record<string, string>>
}

/**
 * Refuses any own key of `value` that is not in `known`, naming the closest known key, or where
 * the key belongs. Keys whose value is `undefined` count too: `{ isuer: process.env.ISSUER }`
 * is still a typo.
 *
 * `at` says whose path the error carries: `'object'` (default) names the object
 * (`verify: unknown key 'isuer' — did you mean 'issuer'?`), `'key'` names the key itself
 * (`projects[0].tokenTtl is not a known key — did you mean 'tokenTTL'?`), for errors whose
 * field must point at the offending value.
 */
export function refuseUnknownKeys(
  value: Record<string, unknown>,
  known: KnownKeys,
  path: string,
  fail: ConfigErrorFactory,
  at: 'object' | 'key' = 'object',
): void {
  for (const key of Object.keys(value)) {
    if (known.keys.includes(key)) continue
    const hint = unknownKeyHint(key, known)
    if (at === 'key') throw fail(childPath(path, key), `is not a known key${hint}`)
    throw fail(path === '' ? 'options' : path, `unknown key '${key}'${hint}`)
  }
}

/** ` — did you mean 'x'?`, ` — <where it belongs>` or ` (it takes: a, b, c)`. */
function unknownKeyHint(key: string, known: KnownKeys): string {
  const elsewhere = known.elsewhere && Object.hasOwn(known.elsewhere, key) ? known.elsewhere[key] : undefined
  if (elsewhere !== undefined) return ` — ${elsewhere}`
  const suggestion = closestKey(key, known.keys)
  if (suggestion !== undefined) return ` — did you mean '${suggestion}'?`
  return ` (it takes: ${known.keys.join(', ')})`
}

/**
 * Refuses keys whose value is `undefined`: `{ issuer: process.env.ISSUER }` with the variable
 * unset would otherwise switch a check off without a word.
 */
export function refuseUndefinedValues(
  value: Record<string, unknown>,
  path: string,
  fail: ConfigErrorFactory,
): void {
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) {
      throw fail(
        childPath(path, key),
        'is undefined — an unset environment variable? Give a value or remove the key',
      )
    }
  }
}

export function optionalBoolean(value: unknown, path: string, fail: ConfigErrorFactory): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw fail(path, `must be true or false, got ${describeValue(value)}`)
  return value
}

export function optionalString(value: unknown, path: string, fail: ConfigErrorFactory): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '')
    throw fail(path, `must be a non-empty string, got ${describeValue(value)}`)
  return value
}

export function requiredString(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  what = 'a non-empty string',
): string {
  if (value === undefined) throw fail(path, `is required: ${what}`)
  if (typeof value !== 'string' || value === '')
    throw fail(path, `must be ${what}, got ${describeValue(value)}`)
  return value
}

/** Bounds of an integer: `[min, max]`, `max` defaulting to `Number.MAX_SAFE_INTEGER`. */
export interface IntegerRange {
  min: number
  max?: number
}

/** An integer in `[min, max]` (milliseconds, counts, seconds, chain ids). */
export function requiredInteger(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  range: IntegerRange,
): number {
  const bounds = range.max === undefined ? `≥ ${range.min}` : `between ${range.min} and ${range.max}`
  if (value === undefined) throw fail(path, `is required: an integer ${bounds}`)
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > max) {
    throw fail(path, `must be an integer ${bounds}, got ${describeValue(value)}`)
  }
  return value
}

/** {@link requiredInteger}, or `fallback` when absent. */
export function optionalInteger(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  range: IntegerRange & { fallback: number },
): number {
  return value === undefined ? range.fallback : requiredInteger(value, path, fail, range)
}

export function optionalFunction<T>(
  value: T | undefined,
  path: string,
  fail: ConfigErrorFactory,
): T | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw fail(path, `must be a function, got ${describeValue(value)}`)
  return value
}

export function oneOf<const T extends string>(
  value: unknown,
  choices: readonly T[],
  path: string,
  fail: ConfigErrorFactory,
): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T
  const list = choices.map((c) => `'${c}'`).join(', ')
  throw fail(path, `must be one of ${list}, got ${describeValue(value)}`)
}

const HTTP_PROTOCOLS = ['http:', 'https:'] as const

/**
 * An absolute URL (a `scheme://…` string or a `URL`) whose scheme is one of `protocols`
 * (`['redis:', 'rediss:']`). A scheme that cannot serve the purpose is a configuration error,
 * not a failure at the first request.
 */
export function absoluteUrl(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  protocols: readonly string[],
): URL {
  const schemes = protocols.map((protocol) => protocol.replace(/:$/, ''))
  // 'http' + 'https' reads as 'http(s)', 'redis' + 'rediss' as 'redis(s)'.
  const kind =
    schemes.length === 2 && schemes[1] === `${schemes[0]}s` ? `${schemes[0]}(s)` : schemes.join(' or ')
  const article = /^(?:[aeiou]|http)/i.test(kind) ? 'an' : 'a'
  let url: URL | undefined
  if (value instanceof URL) url = value
  // 'localhost:8787' parses as the scheme 'localhost:'; only 'scheme://…' is meant as a URL.
  else if (typeof value === 'string' && value.includes('://') && URL.canParse(value)) url = new URL(value)
  if (url === undefined) throw fail(path, `must be an absolute ${kind} URL, got ${describeValue(value)}`)
  if (!protocols.includes(url.protocol)) {
    throw fail(path, `must be ${article} ${kind} URL, got the scheme '${url.protocol.slice(0, -1)}'`)
  }
  return url
}

/**
 * An absolute http(s) URL. Other schemes (`ftp:`, `file:`, `javascript:`) can never serve a key
 * set or an API, so they are a configuration error, not a runtime 503.
 */
export function httpUrl(value: unknown, path: string, fail: ConfigErrorFactory): URL {
  return absoluteUrl(value, path, fail, HTTP_PROTOCOLS)
}
