import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { ConfigErrorFactory, KnownKeys } from 'picket-core'
import {
  childPath,
  describeValue,
  expectRecord,
  oneOf,
  optionalString,
  refuseUnknownKeys,
  requiredString,
} from 'picket-core'
import type { PrivateEcJwk } from '../config.js'

/**
 * Key rotation (issue 13): a key set of `next` (published, not yet signing), `current` (signs
 * new tokens) and `retired` (published so its tokens verify until they expire) keys. The set
 * lives in the config (`signingKeys`) or in a key-set file (`signingKeyFile`, edited by
 * `picket-authority keys`).
 */

export const SIGNING_KEY_STATUSES = ['next', 'current', 'retired'] as const
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number]

/** Most keys a set may hold: each one is fetched by every relying party. */
export const MAX_SIGNING_KEYS = 10

/** One key of a key set: a private P-256 JWK with its `kid` and `status`. */
export interface SigningKeyEntry extends PrivateEcJwk {
  kid: string
  status: SigningKeyStatus
  /** When `picket-authority keys add` generated it (ISO 8601); informational. */
  created?: string
}

const ENTRY: KnownKeys = {
  keys: ['kty', 'crv', 'x', 'y', 'd', 'kid', 'status', 'created', 'alg', 'use'],
}
/** A P-256 coordinate or private scalar: 32 bytes, 43 base64url characters. */
const P256_MEMBER = /^[A-Za-z0-9_-]{43}$/
/** Printable ASCII without spaces: a kid travels in every token header and in the JWKS. */
const KID = /^[\x21-\x7e]{1,128}$/

function parseEntry(input: unknown, at: string, fail: ConfigErrorFactory): SigningKeyEntry {
  const value = expectRecord(input, at, fail, 'a private EC P-256 JWK with kid and status')
  refuseUnknownKeys(value, ENTRY, at, fail, 'key')
  if (value.kty !== 'EC') throw fail(childPath(at, 'kty'), `must be 'EC', got ${describeValue(value.kty)}`)
  if (value.crv !== 'P-256') {
    throw fail(childPath(at, 'crv'), `must be 'P-256' (tokens are ES256), got ${describeValue(value.crv)}`)
  }
  for (const member of ['x', 'y', 'd'] as const) {
    const text = requiredString(
      value[member],
      childPath(at, member),
      fail,
      'a base64url string (every key of the set keeps its private d)',
    )
    if (!P256_MEMBER.test(text)) {
      throw fail(childPath(at, member), 'must be 43 base64url characters (a P-256 key member)')
    }
  }
  const kid = requiredString(value.kid, childPath(at, 'kid'), fail, 'the key id tokens name in their header')
  if (!KID.test(kid)) {
    throw fail(childPath(at, 'kid'), 'must be 1-128 printable ASCII characters without spaces')
  }
  const status = oneOf(value.status, SIGNING_KEY_STATUSES, childPath(at, 'status'), fail)
  const created = optionalString(value.created, childPath(at, 'created'), fail)
  if (created !== undefined && Number.isNaN(Date.parse(created))) {
    throw fail(childPath(at, 'created'), `must be an ISO 8601 date, got ${describeValue(created)}`)
  }
  if (value.alg !== undefined && value.alg !== 'ES256') {
    throw fail(childPath(at, 'alg'), `must be 'ES256' when given, got ${describeValue(value.alg)}`)
  }
  if (value.use !== undefined && value.use !== 'sig') {
    throw fail(childPath(at, 'use'), `must be 'sig' when given, got ${describeValue(value.use)}`)
  }
  return Object.freeze({
    kty: 'EC',
    crv: 'P-256',
    x: value.x as string,
    y: value.y as string,
    d: value.d as string,
    kid,
    status,
    ...(created !== undefined ? { created } : {}),
  })
}

/**
 * Validates a key set: at most `MAX_SIGNING_KEYS` keys, unique kids and keys, exactly one
 * `current` (an empty list only with `allowEmpty`, for a key-set file being built by the CLI).
 */
export function parseSigningKeyEntries(
  input: unknown,
  field: string,
  fail: ConfigErrorFactory,
  options: { allowEmpty?: boolean } = {},
): readonly SigningKeyEntry[] {
  if (!Array.isArray(input)) {
    throw fail(
      field,
      `must be an array of keys ({ kty, crv, x, y, d, kid, status }), got ${describeValue(input)}`,
    )
  }
  if (input.length === 0 && !options.allowEmpty) {
    throw fail(field, 'must hold at least the current key (picket-authority keys add creates one)')
  }
  if (input.length > MAX_SIGNING_KEYS) {
    throw fail(
      field,
      `holds ${input.length} keys, at most ${MAX_SIGNING_KEYS}: remove retired keys whose tokens have expired`,
    )
  }
  const entries = input.map((entry, i) => parseEntry(entry, childPath(field, i), fail))
  let current: number | undefined
  entries.forEach((entry, i) => {
    const at = childPath(field, i)
    const twin = entries.findIndex((other) => other.kid === entry.kid)
    if (twin < i)
      throw fail(childPath(at, 'kid'), `duplicates ${childPath(field, twin)}.kid ("${entry.kid}")`)
    const same = entries.findIndex((other) => other.x === entry.x && other.y === entry.y)
    if (same < i) throw fail(at, `is the same key as ${childPath(field, same)}: each key appears once`)
    if (entry.status !== 'current') return
    if (current !== undefined) {
      throw fail(
        childPath(at, 'status'),
        `is 'current' but ${childPath(field, current)} is current too: exactly one key signs; make the others 'next' or 'retired'`,
      )
    }
    current = i
  })
  if (current === undefined && entries.length > 0) {
    throw fail(field, "has no key with status 'current': exactly one key signs new tokens")
  }
  return Object.freeze(entries)
}

/** A key-set file or signing key file that is not what it should be; names the file and field. */
export class KeyFileError extends Error {
  readonly file: string
  readonly field: string
  constructor(file: string, field: string, problem: string) {
    super(`Signing key file ${file}: ${field === '' ? '' : `${field} `}${problem}`)
    this.name = 'KeyFileError'
    this.file = file
    this.field = field
  }
}

/** What a key file holds: a single (legacy) key, or a key set. */
export type KeyFileContent =
  | { kind: 'jwk'; jwk: PrivateEcJwk; document: Record<string, unknown> }
  | { kind: 'set'; entries: readonly SigningKeyEntry[]; document: Record<string, unknown> }

/**
 * Reads a key file: a bare private JWK, a config-like object with `signingKey`, or
 * `{ "signingKeys": [...] }`. `undefined` when the file does not exist.
 */
export async function readKeyFile(
  file: string,
  options: { allowEmpty?: boolean } = {},
): Promise<KeyFileContent | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new KeyFileError(file, '', `is not valid JSON (${(error as Error).message})`)
  }
  const fail: ConfigErrorFactory = (field, problem) => new KeyFileError(file, field, problem)
  const document = expectRecord(
    parsed,
    '(root)',
    fail,
    'a JSON object: a private JWK or { "signingKeys": [...] }',
  )
  if (document.signingKeys !== undefined) {
    if (document.signingKey !== undefined || 'kty' in document) {
      throw fail('signingKeys', 'cannot be combined with a single key (signingKey or a bare JWK) in one file')
    }
    return {
      kind: 'set',
      entries: parseSigningKeyEntries(document.signingKeys, 'signingKeys', fail, options),
      document,
    }
  }
  // A bare JWK, or a config-like file that carries one under `signingKey`.
  const jwk = 'kty' in document ? document : document.signingKey
  if (!isPrivateEcJwk(jwk)) {
    throw new KeyFileError(
      file,
      '',
      'does not hold a private EC P-256 JWK or a key set ({ "signingKeys": [...] })',
    )
  }
  return { kind: 'jwk', jwk, document }
}

function isPrivateEcJwk(value: unknown): value is PrivateEcJwk {
  if (typeof value !== 'object' || value === null) return false
  const jwk = value as Record<string, unknown>
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string' &&
    typeof jwk.d === 'string' &&
    jwk.d !== ''
  )
}

/**
 * Writes `text` to `file` atomically (a temporary file in the same folder, mode 0600, synced,
 * then renamed over it): a reader (the authority at start) sees the old or the new set, never
 * half of one.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const folder = dirname(file)
  await mkdir(folder, { recursive: true })
  const temporary = join(folder, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temporary, 'wx', 0o600)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temporary, file)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
}
