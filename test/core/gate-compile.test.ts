/**
 * Picket v1 requirements compiled to a gate (issue 15): a differential test against
 * `claimsSatisfy` over the corpus of meets-requirements.test.ts, allowlists, empty requirements,
 * and keys that do not depend on the SDK spelling.
 *
 * How the three checks relate: `meetsRequirements` is picket-js's §6.3 rule on `tokenBalances`
 * alone. `claimsSatisfy` is `meetsRequirements` plus Picket's OR with `allowedWallets` (§6.2)
 * plus this package's per-id rule (an EVM contract with `tokenIds` is proven only by the
 * token's `tokenIdBalances` for exactly those ids; a contract-wide question is not proven by
 * per-id balances). `compileRequirements` gives `any[allowlist, picket]`, and `tokenLookup`
 * answers the `picket` part with `claimsSatisfy` (true, or unknown: never false) on the token's
 * own chain, so on that chain the compiled gate is met exactly when `claimsSatisfy` holds —
 * except for empty requirements, see below.
 */
import {
  claimsSatisfy,
  compileRequirements,
  DEFAULT_CHAIN_ALIASES,
  evaluateGate,
  gateExpressionOf,
  isEmptyRequirements,
  meetsRequirements,
  normalizeRequirements,
  parseGateExpression,
  type Requirements,
  type TokenBalances,
  type TokenFactsClaims,
  tokenLookup,
} from 'picket-core'
import t from 'tap'
import { MEETS_REQUIREMENTS_CORPUS } from './support/meets-requirements-corpus.js'

const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const OTHER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'
const SOL_WALLET = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'
const SOL_OTHER = 'So11111111111111111111111111111111111111112'
const SOLANA = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'

const CHAINS = [
  { slug: 'ethereum', caip2: 'eip155:1', wallet: WALLET },
  { slug: 'solana', caip2: SOLANA, wallet: SOL_WALLET },
] as const

const CORPUS = MEETS_REQUIREMENTS_CORPUS

/** Cases of this package's own: allowlists (the OR) and per-id balances, on either chain. */
const EXTRA: [
  string,
  TokenBalances | undefined,
  Record<string, unknown>,
  TokenFactsClaims['tokenIdBalances']?,
][] = [
  ['on the allowlist, holding nothing', {}, { allowedWallets: [WALLET, SOL_WALLET], contractAddress: PASS }],
  [
    'on the allowlist in another case',
    {},
    { allowedWallets: [WALLET.toLowerCase(), SOL_WALLET.toLowerCase()] },
  ],
  ['on the allowlist (upper-case hex)', {}, { allowedWallets: [`0x${WALLET.slice(2).toUpperCase()}`] }],
  [
    'not on the allowlist, holding',
    { contractAddress: { [PASS]: '1' } },
    { allowedWallets: [OTHER, SOL_OTHER], contractAddress: PASS },
  ],
  [
    'not on the allowlist, holding nothing',
    {},
    { allowedWallets: [OTHER, SOL_OTHER], contractAddress: PASS },
  ],
  ['an empty allowlist', {}, { allowedWallets: [] }],
  ['a minimum with nothing to count', { contractAddress: { [PASS]: '5' } }, { minTokenBalance: '1' }],
  [
    'per-id balances, enough',
    {},
    { contractAddress: PASS, tokenIds: ['1', '2'], minTokenBalance: 2 },
    { [PASS.toLowerCase()]: { '1': '1', '2': '1' } },
  ],
  [
    'per-id balances, short',
    {},
    { contractAddress: PASS, tokenIds: ['1', '2'], minTokenBalance: 3 },
    { [PASS.toLowerCase()]: { '1': '1', '2': '1' } },
  ],
  [
    'per-id balances, an id not read',
    {},
    { contractAddress: PASS, tokenIds: ['1', '3'] },
    { [PASS.toLowerCase()]: { '1': '1' } },
  ],
  [
    'per-id balances, hex ids',
    {},
    { contractAddress: PASS, tokenIds: ['0x01'] },
    { [PASS.toLowerCase()]: { '1': '1' } },
  ],
  [
    'a contract-wide balance does not prove ids',
    { contractAddress: { [PASS]: '9' } },
    { contractAddress: PASS, tokenIds: ['1'] },
  ],
  [
    'per-id balances do not prove the contract',
    { contractAddress: { [PASS]: '9' } },
    { contractAddress: PASS },
    { [PASS.toLowerCase()]: { '1': '1' } },
  ],
  [
    'a contract-wide balance',
    { contractAddress: { [PASS]: '9' } },
    { contractAddress: PASS, minTokenBalance: '9' },
  ],
  ['mints as tokenIds', { tokenIds: { [MINT]: '0.5' } }, { tokenIds: [MINT], minTokenBalance: '0.5' }],
  [
    'a collection and the allowlist',
    { collection: { [SOL_OTHER]: '1' } },
    { collection: [SOL_OTHER], allowedWallets: [OTHER] },
  ],
]

const compiledMet = (requirements: Requirements, caip2: string, claims: TokenFactsClaims) =>
  // The token says which chain its balances were read on, as the authority records it (`caip2`).
  evaluateGate(
    compileRequirements(requirements, caip2),
    tokenLookup({ ...claims, caip2: DEFAULT_CHAIN_ALIASES[claims.chain] }),
  ).met

t.test('differential: the compiled gate is met exactly when claimsSatisfy holds', async (t) => {
  let compared = 0
  const differ: string[] = []
  const cases = [
    ...CORPUS.filter(([, u]) => u != null).map(([name, u, requirements]) => ({
      name,
      tokenBalances: u!.tokenBalances ?? undefined,
      requirements,
      tokenIdBalances: undefined as TokenFactsClaims['tokenIdBalances'],
    })),
    ...EXTRA.map(([name, tokenBalances, requirements, tokenIdBalances]) => ({
      name,
      tokenBalances,
      requirements,
      tokenIdBalances,
    })),
  ]
  for (const { name, tokenBalances, requirements: input, tokenIdBalances } of cases) {
    const requirements = normalizeRequirements(input)
    for (const chain of CHAINS) {
      const claims = {
        chain: chain.slug,
        walletAddress: chain.wallet,
        tokenBalances: tokenBalances as TokenBalances,
        ...(tokenIdBalances ? { tokenIdBalances } : {}),
      }
      const expected = claimsSatisfy(claims, requirements)
      const met = compiledMet(requirements, chain.caip2, claims)
      if (isEmptyRequirements(requirements)) {
        // Empty requirements: claimsSatisfy lets any wallet in, the compiled gate (an empty
        // `any`) none. Nothing compiles them: the gate returns before any check for empty
        // requirements (server/gate.ts), and parseGateConfig never compiles requirements (a
        // route's `gate` is parsed, `requirements` stay requirements).
        t.equal(expected, true, `${name} (${chain.slug}): claimsSatisfy lets any wallet in`)
        t.equal(met, false, `${name} (${chain.slug}): an empty any lets none in`)
        continue
      }
      compared++
      if ((met === true) !== expected)
        differ.push(`${name} on ${chain.slug}: gate ${String(met)}, claimsSatisfy ${expected}`)
      if (met === false && expected)
        differ.push(`${name} on ${chain.slug}: refused what claimsSatisfy grants`)
    }
  }
  t.same(differ, [], `${compared} (case, chain) pairs agree`)
  t.ok(compared >= 2 * (CORPUS.length - 4 + EXTRA.length), 'every non-empty case on both chains')
})

t.test('how claimsSatisfy relates to meetsRequirements on the corpus', async (t) => {
  for (const [name, u, input, meets] of CORPUS) {
    if (u == null) continue
    const requirements = normalizeRequirements(input)
    const claims = {
      chain: 'ethereum',
      walletAddress: WALLET,
      tokenBalances: u.tokenBalances as TokenBalances,
    }
    t.equal(meetsRequirements(u, requirements), meets, `${name}: the corpus as written`)
    // The per-id rule: an EVM contract with tokenIds is proven only by tokenIdBalances, which
    // these users do not carry. Everything else in the corpus is plain §6.3.
    const perId = requirements.contractAddress !== undefined && requirements.tokenIds !== undefined
    t.equal(claimsSatisfy(claims, requirements), perId ? false : meets, `${name}: claimsSatisfy`)
  }
})

t.test('the compiled gate is decided where it can be, unknown where a read is needed', async (t) => {
  const claims = (
    wallet: string,
    tokenBalances: TokenBalances = {},
    chain = 'ethereum',
  ): TokenFactsClaims => ({
    chain,
    walletAddress: wallet,
    tokenBalances,
  })
  const holdings = normalizeRequirements({ contractAddress: PASS, minTokenBalance: '2' })
  t.equal(
    compiledMet(holdings, 'eip155:1', claims(WALLET)),
    undefined,
    'not proven by the token: read the chain',
  )
  t.equal(compiledMet(holdings, 'eip155:1', claims(WALLET, { contractAddress: { [PASS]: '2' } })), true)
  t.equal(
    compiledMet(holdings, 'eip155:1', claims(WALLET, { contractAddress: { [PASS]: '2' } }, 'polygon')),
    undefined,
    'balances of another chain prove nothing',
  )
  t.equal(
    compiledMet(holdings, 'eip155:1', claims(SOL_WALLET, {}, 'solana')),
    false,
    'a Solana wallet never meets an EVM gate',
  )
  const listOnly = normalizeRequirements({ allowedWallets: [WALLET] })
  t.equal(compiledMet(listOnly, 'eip155:1', claims(OTHER)), false, 'allowlist only: decided without a read')
  t.equal(
    compiledMet(listOnly, 'eip155:1', claims(WALLET.toLowerCase(), {}, 'polygon')),
    true,
    'an allowlist holds on any chain of the family',
  )
  const both = normalizeRequirements({ allowedWallets: [WALLET], contractAddress: PASS })
  t.equal(compiledMet(both, 'eip155:1', claims(OTHER)), undefined)
  t.equal(compiledMet(both, 'eip155:1', claims(WALLET)), true)
  const solList = normalizeRequirements({ allowedWallets: [SOL_WALLET] })
  t.equal(compiledMet(solList, SOLANA, claims(SOL_WALLET, {}, 'solana')), true)
  t.equal(
    compiledMet(solList, SOLANA, claims(SOL_WALLET.toLowerCase(), {}, 'solana')),
    false,
    'Solana wallets compare exactly',
  )
})

t.test('the compiled gate: its shape, and what an empty one is', async (t) => {
  const gate = compileRequirements(
    normalizeRequirements({
      allowedWallets: [WALLET, OTHER.toLowerCase(), OTHER],
      contractAddress: PASS,
      minTokenBalance: '2',
    }),
    'eip155:1',
  )
  t.match(gate.root, { type: 'any', of: [{ type: 'allowlist' }, { type: 'picket' }] })
  t.same(
    gate.conditions.map((c) => c.type),
    ['allowlist', 'picket'],
  )
  t.same(gate.chains, ['eip155:1'])
  t.match(
    gate.conditions[0],
    { wallets: [OTHER.toLowerCase(), WALLET.toLowerCase()].sort() },
    'EVM wallets lower-cased, sorted, unique',
  )
  t.same(
    gate.conditions[1],
    {
      type: 'picket',
      chain: 'eip155:1',
      requirements: { contractAddress: PASS, minTokenBalance: '2' },
      key: gate.conditions[1]!.key,
    },
    'the holdings without allowedWallets',
  )
  t.ok(Object.isFrozen(gate) && Object.isFrozen(gate.root) && Object.isFrozen(gate.conditions))
  const listOnly = compileRequirements(normalizeRequirements({ allowedWallets: [SOL_WALLET] }), SOLANA)
  t.same(listOnly.chains, [], 'an allowlist reads no chain')
  t.same(
    listOnly.conditions.map((c) => c.type),
    ['allowlist'],
  )
  t.same(
    listOnly.conditions[0],
    { type: 'allowlist', wallets: [SOL_WALLET], key: listOnly.conditions[0]!.key },
    'Solana wallets as written',
  )
  for (const empty of [{}, { allowedWallets: [] }, { minTokenBalance: '3' }]) {
    const compiled = compileRequirements(normalizeRequirements(empty), 'eip155:1')
    t.same(compiled.root, { type: 'any', of: [] }, `${JSON.stringify(empty)}: an empty any`)
    t.same(compiled.conditions, [])
    t.equal(evaluateGate(compiled, () => ({ verdict: true })).met, false, 'which no wallet meets')
  }
})

t.test('compiled keys: stable across SDK spellings, the same as the gate language’s', async (t) => {
  const key = (input: unknown, chain = 'eip155:1') =>
    compileRequirements(normalizeRequirements(input), chain).key
  t.equal(
    key({ contract_address: PASS, min_token_balance: 2, token_ids: [1, 2], allowed_wallets: [WALLET] }),
    key({ contractAddress: PASS, minTokenBalance: '2.0', tokenIds: ['1', '2'], allowedWallets: [WALLET] }),
    'snake_case, numbers and decimals',
  )
  t.equal(
    key({
      requirements: undefined,
      contractAddress: PASS,
      minTokenBalance: '',
      allowedWallets: [WALLET.toLowerCase(), OTHER],
    }),
    key({ contractAddress: PASS, allowedWallets: [OTHER.toLowerCase(), WALLET, WALLET] }),
    'absent values, order, case and duplicates of EVM wallets',
  )
  t.equal(
    key({ collection: SOL_OTHER }, SOLANA),
    key({ collection: [SOL_OTHER] }, SOLANA),
    'a collection as a string or a list',
  )
  t.equal(
    key({ collection: null, creator_address: SOL_WALLET }, SOLANA),
    key({ creatorAddress: SOL_WALLET }, SOLANA),
  )
  t.not(
    key({ contractAddress: PASS }),
    key({ contractAddress: PASS }, 'eip155:137'),
    'another chain, another gate',
  )
  t.not(key({ contractAddress: PASS }), key({ contractAddress: PASS, minTokenBalance: '2' }))
  t.not(
    key({ tokenIds: ['1', '1'], contractAddress: PASS }),
    key({ tokenIds: ['1'], contractAddress: PASS }),
    'a repeated id counts twice in Picket: another gate',
  )
  t.not(
    key({ allowedWallets: [SOL_WALLET] }, SOLANA),
    key({ allowedWallets: [SOL_WALLET.toLowerCase()] }, SOLANA),
    'Solana wallets keep their case',
  )

  // What a route would write for the same requirements, in the gate language.
  const fail = (path: string, problem: string) => new Error(`${path}: ${problem}`)
  const written = (expression: unknown) =>
    parseGateExpression(expression, 'gate', fail, { aliases: DEFAULT_CHAIN_ALIASES }).key
  t.equal(
    key({ allowedWallets: [WALLET], contractAddress: PASS, minTokenBalance: 2 }),
    written({
      any: [
        { allowlist: [WALLET] },
        { picket: { chain: 'ethereum', contractAddress: PASS, minTokenBalance: '2' } },
      ],
    }),
    'EVM: the same key as any[allowlist, picket]',
  )
  t.equal(
    key({ allowedWallets: [SOL_WALLET], collection: SOL_OTHER, tokenIds: [MINT] }, SOLANA),
    written({
      any: [
        { allowlist: [SOL_WALLET] },
        { picket: { chain: 'solana', collection: [SOL_OTHER], tokenIds: [MINT] } },
      ],
    }),
    'Solana: the same key as any[allowlist, picket]',
  )
  const compiled = compileRequirements(
    normalizeRequirements({ allowedWallets: [WALLET], contractAddress: PASS, tokenIds: ['1'] }),
    'eip155:1',
  )
  const again = parseGateExpression(
    JSON.parse(JSON.stringify(gateExpressionOf(compiled.root))),
    'gate',
    fail,
    { aliases: {} },
  )
  t.equal(again.key, compiled.key, 'written back and parsed again: the same key')
  t.same(
    again.conditions.map((c) => c.key),
    compiled.conditions.map((c) => c.key),
  )
})
