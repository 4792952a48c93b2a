import fc from 'fast-check'
import { meetsRequirements, normalizeRequirements } from 'picket-core'
import t from 'tap'
import { MEETS_REQUIREMENTS_CORPUS, user } from './support/meets-requirements-corpus.js'

t.test('§6.3 step by step', async (t) => {
  for (const [name, u, requirements, expected] of MEETS_REQUIREMENTS_CORPUS) {
    t.equal(meetsRequirements(u, requirements as never), expected, name)
  }
})

t.test('accepts canonical requirements without renormalising them', async (t) => {
  const r = normalizeRequirements({ contractAddress: '0xC', minTokenBalance: '2' })
  t.ok(meetsRequirements(user({ contractAddress: { '0xC': '2' } }), r))
})

// Properties, seeded so a failure reproduces: raising the minimum never turns false into true,
// adding balance never turns true into false, and order of collections does not matter.
const decimalString = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 20 }))
  .map(([digits, scale]) => {
    const text = digits.toString().padStart(scale + 1, '0')
    return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`
  })
const keys = fc.constantFrom('A', 'B', 'C', 'D')
const balances = fc.record(
  {
    contractAddress: fc.dictionary(keys, decimalString),
    collection: fc.dictionary(keys, decimalString),
    creatorAddress: fc.dictionary(keys, decimalString),
    tokenIds: fc.dictionary(keys, decimalString),
  },
  { requiredKeys: [] },
)
const requirements = fc.record(
  {
    contractAddress: keys,
    collection: fc.array(keys, { maxLength: 4 }),
    creatorAddress: keys,
    tokenIds: fc.array(keys, { maxLength: 4 }),
  },
  { requiredKeys: [] },
)
const seed = 20261125

t.test('property: a higher minimum never grants what a lower one denied', async (t) => {
  fc.assert(
    fc.property(balances, requirements, decimalString, decimalString, (b, r, m1, m2) => {
      const [low, high] = cmp(m1, m2) <= 0 ? [m1, m2] : [m2, m1]
      const lowResult = meetsRequirements(user(b), { ...r, minTokenBalance: low })
      const highResult = meetsRequirements(user(b), { ...r, minTokenBalance: high })
      return lowResult || !highResult
    }),
    { seed, numRuns: 2000 },
  )
  t.pass('2000 seeded cases')
})

t.test('property: more balance never takes access away', async (t) => {
  fc.assert(
    fc.property(balances, requirements, decimalString, keys, decimalString, (b, r, min, key, extra) => {
      const before = meetsRequirements(user(b), { ...r, minTokenBalance: min })
      const richer = {
        ...b,
        contractAddress: { ...b.contractAddress, [key]: add(b.contractAddress?.[key], extra) },
      }
      const after = meetsRequirements(user(richer), { ...r, minTokenBalance: min })
      return !before || after
    }),
    { seed, numRuns: 2000 },
  )
  t.pass('2000 seeded cases')
})

t.test('property: the order of collections does not change the outcome', async (t) => {
  fc.assert(
    fc.property(balances, requirements, decimalString, (b, r, min) => {
      const forward = meetsRequirements(user(b), { ...r, minTokenBalance: min })
      const reversed = meetsRequirements(user(b), {
        ...r,
        collection: [...(r.collection ?? [])].reverse(),
        tokenIds: [...(r.tokenIds ?? [])].reverse(),
        minTokenBalance: min,
      })
      return forward === reversed
    }),
    { seed, numRuns: 2000 },
  )
  t.pass('2000 seeded cases')
})

// Reference arithmetic for the properties, independent of src/core/decimal.ts: scale to 30
// fractional digits with bigint.
function scaled(value: string): bigint {
  const [whole = '0', fraction = ''] = value.split('.')
  return BigInt(whole + fraction.padEnd(30, '0'))
}
function cmp(a: string, b: string): number {
  const x = scaled(a)
  const y = scaled(b)
  return x < y ? -1 : x > y ? 1 : 0
}
function add(a: string | undefined, b: string): string {
  const sum = scaled(a ?? '0') + scaled(b)
  const text = sum.toString().padStart(31, '0')
  return `${text.slice(0, -30)}.${text.slice(-30)}`
}
