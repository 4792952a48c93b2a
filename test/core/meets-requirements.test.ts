import fc from 'fast-check'
import { meetsRequirements, normalizeRequirements, type TokenBalances } from 'picket-core'
import t from 'tap'

const user = (tokenBalances: TokenBalances | undefined) => ({ tokenBalances })

t.test('§6.3 step by step', async (t) => {
  const cases: [
    string,
    Parameters<typeof meetsRequirements>[0],
    Record<string, unknown> | undefined,
    boolean,
  ][] = [
    // 1. no user
    ['no user', null, { contractAddress: '0xC' }, false],
    ['undefined user', undefined, undefined, false],
    // 2. no requirements
    ['missing requirements pass', user(undefined), undefined, true],
    ['empty requirements pass', user(undefined), {}, true],
    // 3. no balances
    ['no balances fail', user(undefined), { contractAddress: '0xC' }, false],
    ['empty balances fail', user({}), { contractAddress: '0xC' }, false],
    // 6. zero rule: missing or zero minimum means strictly more than zero
    ['balance 1, no minimum', user({ contractAddress: { '0xC': '1' } }), { contractAddress: '0xC' }, true],
    ['balance "0", no minimum', user({ contractAddress: { '0xC': '0' } }), { contractAddress: '0xC' }, false],
    [
      'balance "0", minimum 0',
      user({ contractAddress: { '0xC': '0' } }),
      { contractAddress: '0xC', minTokenBalance: 0 },
      false,
    ],
    [
      'balance 0.0001, minimum "0"',
      user({ contractAddress: { '0xC': '0.0001' } }),
      { contractAddress: '0xC', minTokenBalance: '0' },
      true,
    ],
    // 7. exact key lookup
    ['key case matters', user({ contractAddress: { '0xc': '5' } }), { contractAddress: '0xC' }, false],
    [
      'minimum met exactly',
      user({ contractAddress: { '0xC': '3' } }),
      { contractAddress: '0xC', minTokenBalance: 3 },
      true,
    ],
    [
      'minimum missed',
      user({ contractAddress: { '0xC': '2.999' } }),
      { contractAddress: '0xC', minTokenBalance: 3 },
      false,
    ],
    // decimals compared exactly
    [
      '"0.1337" vs "0.13370"',
      user({ contractAddress: { '0xC': '0.1337' } }),
      { contractAddress: '0xC', minTokenBalance: '0.13370' },
      true,
    ],
    [
      '"0.1337" vs "0.13371"',
      user({ contractAddress: { '0xC': '0.1337' } }),
      { contractAddress: '0xC', minTokenBalance: '0.13371' },
      false,
    ],
    // huge integers stay exact (floats would say equal)
    [
      '2^53 + 1 >= 2^53 + 1',
      user({ contractAddress: { '0xC': '9007199254740993' } }),
      { contractAddress: '0xC', minTokenBalance: '9007199254740993' },
      true,
    ],
    [
      '2^53 < 2^53 + 1',
      user({ contractAddress: { '0xC': '9007199254740992' } }),
      { contractAddress: '0xC', minTokenBalance: '9007199254740993' },
      false,
    ],
    [
      '10^30 wei-style balances',
      user({ contractAddress: { '0xC': '1000000000000000000000000000000' } }),
      { contractAddress: '0xC', minTokenBalance: '999999999999999999999999999999.999' },
      true,
    ],
    // 8. several collections share one total
    [
      'two collections summed',
      user({ collection: { A: '1', B: '1' } }),
      { collection: ['A', 'B'], minTokenBalance: 2 },
      true,
    ],
    ['collection as a string', user({ collection: { A: '1' } }), { collection: 'A' }, true],
    [
      'collections short',
      user({ collection: { A: '1', B: '0.5' } }),
      { collection: ['A', 'B'], minTokenBalance: 2 },
      false,
    ],
    // 5. one running total across categories
    [
      'contract + collection + creator + tokenIds summed',
      user({
        contractAddress: { '0xC': '1' },
        collection: { A: '1' },
        creatorAddress: { CR: '1' },
        tokenIds: { T: '1' },
      }),
      { contractAddress: '0xC', collection: 'A', creatorAddress: 'CR', tokenIds: ['T'], minTokenBalance: 4 },
      true,
    ],
    // 9. creator
    ['creator', user({ creatorAddress: { CR: '2' } }), { creatorAddress: 'CR', minTokenBalance: 2 }, true],
    ['creator category missing', user({ collection: { A: '5' } }), { creatorAddress: 'CR' }, false],
    // 10. tokenIds: missing balances are skipped, never fail on their own
    [
      'tokenIds with missing balances',
      user({ tokenIds: { T2: '2' } }),
      { tokenIds: ['T1', 'T2', 'T3'], minTokenBalance: 2 },
      true,
    ],
    ['tokenIds all missing', user({ tokenIds: { X: '2' } }), { tokenIds: ['T1'] }, false],
    [
      'tokenIds summed',
      user({ tokenIds: { T1: '1', T2: '1' } }),
      { tokenIds: ['T1', 'T2'], minTokenBalance: 2 },
      true,
    ],
    [
      'repeated token id counts twice, as in picket-js',
      user({ tokenIds: { T: '1' } }),
      { tokenIds: ['T', 'T'], minTokenBalance: 2 },
      true,
    ],
    ['empty tokenIds list: nothing can pass', user({ tokenIds: { T: '1' } }), { tokenIds: [] }, false],
    // allowedWallets is ignored by this check (the OR path lives elsewhere)
    ['allowedWallets alone', user({ contractAddress: { '0xC': '1' } }), { allowedWallets: ['0xA'] }, false],
    // garbage balances poison the total like BigNumber NaN
    ['garbage balance', user({ contractAddress: { '0xC': 'lots' } }), { contractAddress: '0xC' }, false],
    [
      'garbage after a pass still passes',
      user({ contractAddress: { '0xC': '1' }, collection: { A: 'lots' } }),
      { contractAddress: '0xC', collection: 'A' },
      true,
    ],
    [
      'garbage before a later balance blocks it',
      user({ contractAddress: { '0xC': 'lots' }, collection: { A: '5' } }),
      { contractAddress: '0xC', collection: 'A' },
      false,
    ],
    // numbers in balances (picket-python tests send ints)
    [
      'numeric balance',
      user({ contractAddress: { '0xC': 3 as unknown as string } }),
      { contractAddress: '0xC', minTokenBalance: 3 },
      true,
    ],
    [
      'a balance of the wrong type',
      user({ contractAddress: { '0xC': true as unknown as string } }),
      { contractAddress: '0xC' },
      false,
    ],
    // prototype keys are not balances
    ['__proto__ key', user(JSON.parse('{"contractAddress": {}}')), { contractAddress: '__proto__' }, false],
    ['toString key', user({ contractAddress: {} }), { contractAddress: 'toString' }, false],
  ]
  for (const [name, u, requirements, expected] of cases) {
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
