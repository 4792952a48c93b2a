/**
 * fast-check arbitraries for hostile HTTP input: wrong types, missing and extra fields, huge
 * strings and arrays, deep nesting, invalid JSON, wrong content types, invalid addresses, hex
 * and base58, invalid chain slugs and prototype-pollution keys. Bodies are built on
 * null-prototype objects so that `__proto__` and `constructor` end up as real JSON keys.
 */
import fc from 'fast-check'

/** Keys that break code which treats request objects as prototypes or plain maps. */
export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
] as const

export const INVALID_ADDRESSES = [
  '',
  '0x',
  '0x123',
  `0x${'g'.repeat(40)}`,
  `0x${'a'.repeat(39)}`,
  `0x${'a'.repeat(41)}`,
  `0X${'A'.repeat(40)}`,
  `0x${'a'.repeat(40)} `,
  ` 0x${'a'.repeat(40)}`,
  `0x${'a'.repeat(40)}\u0000`,
  // EIP-55 checksum wrong (mixed case that is not the checksum)
  '0xAbCdEfAbCdEfAbCdEfAbCdEfAbCdEfAbCdEfAbCd',
  'vitalik.eth',
  // base58 with characters outside the alphabet (0 O I l), wrong lengths
  `0OIl${'1'.repeat(40)}`,
  'So1ana+/=',
  '1'.repeat(44),
  'z'.repeat(1000),
  '🦊'.repeat(20),
  '../../etc/passwd',
  '%00',
]

/** Well-formed but wrong: EOAs, precompiles and programs where a token contract is expected. */
export const VALID_BUT_WRONG = [
  '0x0000000000000000000000000000000000000000',
  '0x0000000000000000000000000000000000000001',
  '0x00000000000000000000000000000000000000ff',
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  'So11111111111111111111111111111111111111112',
  '11111111111111111111111111111111',
]

export const INVALID_HEX = [
  '0x',
  'abc',
  '0xabc',
  `0x${'zz'.repeat(65)}`,
  `0x${'ab'.repeat(64)}`,
  `0x${'00'.repeat(65)}`,
  `0x${'ff'.repeat(65)}`,
  `0x${'ab'.repeat(66)}`,
  `${'ab'.repeat(65)}`,
  `0x${'ab'.repeat(5000)}`,
  // base58 and base64 where hex is expected, and the reverse
  '5Hue'.repeat(22),
  'q83vEjRWeJA='.repeat(8),
]

export const INVALID_CHAINS = [
  'ETHEREUM',
  'Ethereum',
  'eth',
  'mainnet',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '../ethereum',
  'ethereum\u0000',
  'ethereum ',
  ' solana',
  'flow',
  'homestead',
  'matic',
  '%00',
  '1',
  'x'.repeat(300),
]

export const ODD_STRINGS = [
  '1e309',
  'NaN',
  'Infinity',
  '-1',
  '0x10',
  '1'.repeat(400),
  '2023-13-45T99:99:99Z',
  '9999-12-31T23:59:59.999Z',
  '-000001-01-01T00:00:00Z',
  '\u202e\u0000\u0007\r\n',
  'true',
  'null',
  '{}',
  '[]',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
  '${jndi:ldap://127.0.0.1/a}',
]

/** `n` nested arrays or objects, built iteratively (no recursion in the generator either). */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value }
  return value
}

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...INVALID_ADDRESSES,
      ...VALID_BUT_WRONG,
      ...INVALID_HEX,
      ...INVALID_CHAINS,
      ...ODD_STRINGS,
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(1000, 10_000, 70_000).map((n) => 'x'.repeat(n)) },
)

const { value: hostileValueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    { weight: 6, arbitrary: hostileString },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.integer(),
        fc.double(),
        fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(Number),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(true, false, null, 0, -1, 1e308, -0) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(
          fc.tuple(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 })), tie('value')),
          {
            maxLength: 4,
          },
        )
        .map(toObject),
    },
    // Huge arrays: up to ~70 KB of JSON, around the authority's 64 KiB body limit.
    { weight: 1, arbitrary: fc.constantFrom(100, 3000, 12_000).map((n) => Array(n).fill('0x0')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(50, 500, 2000), fc.constantFrom('array', 'object'))
        .map(([d, k]) => nested(d, k as 'array')),
    },
  ),
}))
export const hostileValue: fc.Arbitrary<unknown> = hostileValueArb

/** A null-prototype object from entries: `__proto__` becomes an own, serialisable key. */
export function toObject(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object = Object.create(null) as Record<string, unknown>
  for (const [key, value] of entries) object[key] = value
  return object
}

const DELETE = Symbol('delete')

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy)
  if (value !== null && typeof value === 'object') {
    return toObject(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]))
  }
  return value
}

/** Every path of a body (`context.domain`, …) a mutation may hit. */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return []
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...pathsOf(child, `${prefix}${key}.`),
  ])
}

function applyEdit(body: Record<string, unknown>, path: string, replacement: unknown): void {
  const keys = path.split('.')
  let target = body
  for (const key of keys.slice(0, -1)) {
    const next = target[key]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return
    target = next as Record<string, unknown>
  }
  const last = keys.at(-1)!
  if (replacement === DELETE) delete target[last]
  else target[last] = replacement
}

/**
 * A valid body mutated: fields (nested too) replaced by hostile values or deleted, and extra
 * fields (prototype-pollution keys among them) added at the top or inside nested objects.
 * Sometimes the body is replaced by a hostile value altogether (array, string, number…).
 */
export function mutatedBody(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths = pathsOf(base)
  const objectPaths = [
    '',
    ...paths.filter(
      (p) =>
        p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], base) instanceof Object,
    ),
  ]
  const edit = fc.tuple(
    fc.constantFrom(...paths),
    fc.oneof({ weight: 1, arbitrary: fc.constant<unknown>(DELETE) }, { weight: 4, arbitrary: hostileValue }),
  )
  const extra = fc.tuple(
    fc.constantFrom(...objectPaths),
    fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 12 })),
    hostileValue,
  )
  const mutated = fc
    .record({ edits: fc.array(edit, { maxLength: 3 }), extras: fc.array(extra, { maxLength: 2 }) })
    .map(({ edits, extras }) => {
      const body = deepCopy(base) as Record<string, unknown>
      for (const [path, replacement] of edits) applyEdit(body, path, replacement)
      for (const [at, key, value] of extras) applyEdit(body, at === '' ? key : `${at}.${key}`, value)
      return body
    })
  return fc.oneof({ weight: 9, arbitrary: mutated }, { weight: 1, arbitrary: hostileValue })
}

export const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/JSON',
  'application/json, text/html',
  'application/vnd.api+json',
  'application/xml',
  'application/octet-stream',
  '*/*',
  ';;;',
]

export type Encoding =
  | { kind: 'json'; contentType: string }
  | { kind: 'truncated'; at: number }
  | { kind: 'garbage'; suffix: string }
  | { kind: 'bom' }
  | { kind: 'empty'; contentType: string }
  | { kind: 'invalid-utf8' }
  | { kind: 'duplicate-proto' }

/** How the body goes on the wire: mostly valid JSON, sometimes broken in one of many ways. */
export const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 14, arbitrary: fc.constant<Encoding>({ kind: 'json', contentType: 'application/json' }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...CONTENT_TYPES)
      .map((contentType): Encoding => ({ kind: 'json', contentType })),
  },
  { weight: 1, arbitrary: fc.nat().map((at): Encoding => ({ kind: 'truncated', at })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('}', ',', ']]', '\u0000', 'garbage', ' {"a":1}')
      .map((suffix): Encoding => ({ kind: 'garbage', suffix })),
  },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'bom' }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('application/json', 'text/plain')
      .map((contentType): Encoding => ({ kind: 'empty', contentType })),
  },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'invalid-utf8' }) },
  { weight: 1, arbitrary: fc.constant<Encoding>({ kind: 'duplicate-proto' }) },
)

/** The body bytes and content type for an encoding. */
export function encode(body: unknown, how: Encoding): { payload: string | Buffer; contentType: string } {
  const json = JSON.stringify(body) ?? 'null'
  switch (how.kind) {
    case 'json':
      return { payload: json, contentType: how.contentType }
    case 'truncated':
      return {
        payload: json.slice(0, json.length > 1 ? how.at % (json.length - 1) : 0),
        contentType: 'application/json',
      }
    case 'garbage':
      return { payload: json + how.suffix, contentType: 'application/json' }
    case 'bom':
      return { payload: `\ufeff${json}`, contentType: 'application/json' }
    case 'empty':
      return { payload: '', contentType: how.contentType }
    case 'invalid-utf8':
      return {
        payload: Buffer.concat([
          Buffer.from(json.slice(0, -1)),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('}'),
        ]),
        contentType: 'application/json',
      }
    case 'duplicate-proto':
      return {
        payload: json.replace(
          /^\{/,
          '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},',
        ),
        contentType: 'application/json',
      }
  }
}
