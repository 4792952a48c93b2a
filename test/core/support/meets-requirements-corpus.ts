import type { meetsRequirements, TokenBalances } from 'picket-core'

/** A user carrying `tokenBalances`, as meetsRequirements reads one. */
export const user = (tokenBalances: TokenBalances | undefined) => ({ tokenBalances })

/**
 * Picket's client-side rule (§6.3) step by step, as picket-js answers: [name, user,
 * requirements, answer]. meets-requirements.test.ts checks meetsRequirements against it; the
 * compiled gate (gate-compile.test.ts) must answer alike.
 */
export const MEETS_REQUIREMENTS_CORPUS: [
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
