/**
 * Evaluating gates (issue 15): Kleene's three-valued logic with 'error', the conditions still to
 * read, explanations of a refusal, and what a wallet and a token prove (walletLookup,
 * tokenLookup, mergeGateFacts, the gateFacts claim).
 */
import {
  accessTokenClaimsProblem,
  type CompiledGate,
  type ConditionLookup,
  type ConditionNode,
  DEFAULT_CHAIN_ALIASES,
  describeNode,
  evaluateGate,
  explainRefusal,
  type GateFacts,
  MAX_GATE_FACTS,
  mergeGateFacts,
  parseGateExpression,
  pendingConditions,
  type TokenFactsClaims,
  tokenLookup,
  type Verdict,
  walletLookup,
} from 'picket-core'
import t from 'tap'

const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const PASS_LOWER = PASS.toLowerCase()
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const OTHER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'
const SOL_WALLET = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'
const SOL_OTHER = 'So11111111111111111111111111111111111111112'
const SOLANA = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'

const fail = (path: string, problem: string) => new Error(`${path}: ${problem}`)
const gateOf = (value: unknown): CompiledGate =>
  parseGateExpression(value, 'gate', fail, { aliases: DEFAULT_CHAIN_ALIASES, defaultChain: 'ethereum' })
/** Condition i of a pool of distinct ones (native coin, minimum i + 1). */
const c = (i: number, label?: string) => ({ native: { min: String(i + 1) }, ...(label ? { label } : {}) })
/** The one condition of a gate that is one condition. */
const conditionOf = (value: unknown): ConditionNode => gateOf(value).conditions[0]!
const keyOf = (i: number) => conditionOf(c(i)).key
/** A lookup answering condition i (by key) with verdicts[i]. */
function byIndex(
  verdicts: readonly Verdict[],
  errors: readonly (string | undefined)[] = [],
): ConditionLookup {
  const keys = new Map(verdicts.map((_, i) => [keyOf(i), i]))
  return (node) => {
    const i = keys.get(node.key)
    if (i === undefined) return { verdict: undefined }
    const verdict = verdicts[i]
    return verdict === 'error' && errors[i] !== undefined
      ? { verdict, error: errors[i] }
      : { verdict, source: 'chain' }
  }
}

const VALUES: readonly Verdict[] = [true, false, undefined, 'error']
function assignments(n: number): Verdict[][] {
  if (n === 0) return [[]]
  return assignments(n - 1).flatMap((rest) => VALUES.map((value) => [...rest, value]))
}
const show = (v: Verdict) => (v === undefined ? 'undefined' : String(v))

/**
 * Kleene's strong logic by its definition: a group is true (false) when every way of reading its
 * unknown parts as booleans makes it true (false); otherwise it is still unknown while some part
 * is unread, and 'error' when only errors keep it open.
 */
function reference(holds: (parts: boolean[]) => boolean, verdicts: readonly Verdict[]): Verdict {
  const open = verdicts.flatMap((v, i) => (typeof v === 'boolean' ? [] : [i]))
  const outcomes = new Set<boolean>()
  for (let mask = 0; mask < 1 << open.length; mask++) {
    const parts = verdicts.map((v) => v === true)
    open.forEach((index, bit) => {
      parts[index] = (mask & (1 << bit)) !== 0
    })
    outcomes.add(holds(parts))
  }
  if (outcomes.size === 1) return [...outcomes][0]
  return verdicts.includes(undefined) ? undefined : 'error'
}

t.test('Kleene table: all, any, atLeast over 1…4 parts, every assignment', async (t) => {
  for (let size = 1; size <= 4; size++) {
    const of = Array.from({ length: size }, (_, i) => c(i))
    const groups: [string, unknown, (parts: boolean[]) => boolean][] = [
      ['all', { all: of }, (parts) => parts.every(Boolean)],
      ['any', { any: of }, (parts) => parts.some(Boolean)],
      ...Array.from({ length: size }, (_, k): [string, unknown, (parts: boolean[]) => boolean] => [
        `atLeast ${k + 1}`,
        { atLeast: { n: k + 1, of } },
        (parts) => parts.filter(Boolean).length >= k + 1,
      ]),
    ]
    for (const [name, expression, holds] of groups) {
      const gate = gateOf(expression)
      const wrong: string[] = []
      for (const verdicts of assignments(size)) {
        const outcome = evaluateGate(gate, byIndex(verdicts))
        const expected = reference(holds, verdicts)
        const treeAgrees =
          outcome.tree.met === (typeof expected === 'boolean' ? expected : null) &&
          (outcome.tree.error !== undefined) === (expected === 'error')
        if (outcome.met !== expected || !treeAgrees) {
          wrong.push(`[${verdicts.map(show)}] → ${show(outcome.met)}, expected ${show(expected)}`)
        }
      }
      t.same(wrong, [], `${name} of ${size}: ${4 ** size} assignments`)
    }
  }
})

t.test('Kleene table: not', async (t) => {
  const gate = gateOf({ not: c(0) })
  const table: [Verdict, Verdict][] = [
    [true, false],
    [false, true],
    [undefined, undefined],
    ['error', 'error'],
  ]
  for (const [input, expected] of table) {
    t.equal(evaluateGate(gate, byIndex([input])).met, expected, `not ${show(input)}`)
    t.equal(
      evaluateGate(gateOf({ not: { not: c(0) } }), byIndex([input])).met,
      input,
      `not not ${show(input)}`,
    )
  }
  t.equal(evaluateGate(gate.root, byIndex([true])).met, false, 'a bare node evaluates too')
})

t.test('the evaluation tree: sources, errors and descriptions', async (t) => {
  const gate = gateOf({ all: [c(0, 'some ETH'), { any: [c(1), c(2)] }], label: 'members' })
  const { tree, met } = evaluateGate(gate, byIndex([true, 'error', 'error'], [undefined, 'call reverted']))
  t.equal(met, 'error')
  t.match(tree, {
    type: 'all',
    met: null,
    description: 'members',
    error: 'any of 2 could not be decided',
    children: [
      { type: 'native', met: true, description: 'some ETH', source: 'chain' },
      {
        type: 'any',
        met: null,
        description: 'any of 2',
        error: 'at least 2 native coin on eip155:1; at least 3 native coin on eip155:1 could not be decided',
        children: [
          { met: null, error: 'call reverted', description: 'at least 2 native coin on eip155:1' },
          { met: null, error: 'could not be decided' },
        ],
      },
    ],
  })
  const unknown = evaluateGate(gate, byIndex([undefined, undefined, undefined])).tree
  t.equal(unknown.met, null)
  t.notOk('error' in unknown, 'unknown is not an error')
  t.notOk('source' in unknown.children![0]!, 'no source without a verdict')
})

t.test('pendingConditions: what a read must still answer', async (t) => {
  const pending = (expression: unknown, verdicts: Verdict[]) =>
    pendingConditions(gateOf(expression), byIndex(verdicts)).map((node) => node.key)
  t.same(pending({ any: [c(0), c(1)] }, [true, undefined]), [], 'an any with a true part: nothing pending')
  t.same(pending({ all: [c(0), c(1)] }, [false, undefined]), [], 'an all with a false part: nothing pending')
  t.same(pending({ atLeast: { n: 2, of: [c(0), c(1), c(2)] } }, [true, true, undefined]), [])
  t.same(pending({ atLeast: { n: 2, of: [c(0), c(1), c(2)] } }, [false, false, undefined]), [])
  t.same(pending({ any: [c(0), c(1)] }, [undefined, undefined]), [keyOf(0), keyOf(1)])
  t.same(
    pending({ all: [c(0), c(1), { any: [c(2), c(3)] }] }, [true, undefined, true, undefined]),
    [keyOf(1)],
    'a decided group inside an undecided one is skipped',
  )
  t.same(
    pending({ all: [c(0), { any: [c(1), c(2)] }] }, [undefined, 'error', undefined]),
    [keyOf(0), keyOf(2)],
    'errors are not pending',
  )
  t.same(pending({ all: [c(0), c(1)] }, ['error', true]), [], 'a gate in error: nothing to read')
  t.same(pending({ not: c(0) }, [undefined]), [keyOf(0)])
  t.same(
    pending({ any: [c(0), { all: [c(0), c(1)] }] }, [undefined, undefined]),
    [keyOf(0), keyOf(1)],
    'a condition used twice is read once',
  )
  const withAllowlist = gateOf({ any: [{ allowlist: [WALLET] }, c(0)] })
  t.same(
    pendingConditions(withAllowlist, () => ({ verdict: undefined })).map((n) => n.type),
    ['native'],
    'an allowlist is never read from a chain',
  )
})

t.test('descriptions and explanations of a refusal', async (t) => {
  const describe = (expression: unknown) => describeNode(gateOf(expression).root)
  t.equal(
    describe({ erc20: { contract: PASS, min: '500' } }),
    `at least 500 of ERC-20 ${PASS_LOWER} on eip155:1`,
  )
  t.equal(
    describe({ erc20: { contract: PASS, min: '1', max: '2' } }),
    `1 to 2 of ERC-20 ${PASS_LOWER} on eip155:1`,
  )
  t.equal(describe({ native: { chain: 'base', max: '0.25' } }), 'at most 0.25 native coin on eip155:8453')
  t.equal(describe({ native: {} }), 'any native coin on eip155:1')
  t.equal(describe({ erc721: { contract: PASS } }), `holds ERC-721 ${PASS_LOWER} on eip155:1`)
  t.equal(
    describe({ erc721: { contract: PASS, ids: ['7'] } }),
    `holds ERC-721 id 7 of ${PASS_LOWER} on eip155:1`,
  )
  t.equal(
    describe({ erc721: { contract: PASS, ids: ['1-3', '9'], min: 2 } }),
    `holds 2 of ERC-721 ids 1-3, 9 of ${PASS_LOWER} on eip155:1`,
  )
  t.equal(
    describe({ erc1155: { contract: PASS, id: '5' } }),
    `any of ERC-1155 id 5 of ${PASS_LOWER} on eip155:1`,
  )
  t.equal(
    describe({ splToken: { chain: 'solana', mint: MINT, min: '0.5' } }),
    `at least 0.5 of SPL mint ${MINT} on ${SOLANA}`,
  )
  t.equal(
    describe({ metaplexCollection: { chain: 'solana', collection: SOL_OTHER } }),
    `holds an NFT of collection ${SOL_OTHER} on ${SOLANA}`,
  )
  t.equal(
    describe({ metaplexCollection: { chain: 'solana', collection: SOL_OTHER, min: 3 } }),
    `holds 3 NFTs of collection ${SOL_OTHER} on ${SOLANA}`,
  )
  t.equal(describe({ picket: { contractAddress: PASS } }), 'Picket requirements on eip155:1')
  t.equal(
    describe({
      call: {
        contract: PASS,
        function: 'function isMember(address) view returns (bool)',
        args: ['$wallet'],
        compare: { eq: true },
      },
    }),
    `isMember(address) view returns (bool) at ${PASS_LOWER} on eip155:1: output eq true`,
  )
  t.equal(describe({ allowlist: [WALLET, SOL_WALLET] }), 'the wallet is on the allowlist')
  t.equal(describe({ all: [c(0), c(1)] }), 'all of 2')
  t.equal(describe({ any: [c(0), c(1), c(2)] }), 'any of 3')
  t.equal(describe({ atLeast: { n: 2, of: [c(0), c(1), c(2)] } }), 'at least 2 of 3')
  t.equal(describe({ not: c(0) }), 'not')

  const allowlist = { allowlist: [WALLET, OTHER, SOL_WALLET] }
  const refuse = (expression: unknown, lookup: ConditionLookup) => {
    const outcome = evaluateGate(gateOf(expression), lookup)
    t.equal(outcome.met, false, 'refused')
    return explainRefusal(outcome.tree)
  }
  const stranger = walletLookup('0x1111111111111111111111111111111111111111', 'ethereum')
  const answers = (verdicts: Verdict[]): ConditionLookup => {
    const fromIndex = byIndex(verdicts)
    return (node) => (node.type === 'allowlist' ? stranger(node) : fromIndex(node))
  }
  const all = refuse({ all: [{ erc20: { contract: PASS, min: '500' } }, c(0), allowlist] }, (node) =>
    node.type === 'erc20' ? { verdict: false } : answers([true])(node),
  )
  t.equal(
    all,
    `The wallet does not meet this gate: at least 500 of ERC-20 ${PASS_LOWER} on eip155:1: not met; the wallet is on the allowlist: not met`,
    'an all names the parts that failed, not those met',
  )
  for (const wallet of [WALLET, OTHER, SOL_WALLET]) {
    t.notMatch(all.toLowerCase(), wallet.toLowerCase(), 'no allowlisted wallet is listed')
  }
  t.equal(
    refuse({ any: [c(0), c(1), allowlist] }, answers([false, false])),
    'The wallet does not meet this gate: any of 3: 0 met (not met: at least 1 native coin on eip155:1; at least 2 native coin on eip155:1; the wallet is on the allowlist)',
    'an any is summarised with every part',
  )
  t.equal(
    refuse({ atLeast: { n: 2, of: [c(0), c(1), c(2)] } }, answers([true, false, false])),
    'The wallet does not meet this gate: at least 2 of 3: 1 met (not met: at least 2 native coin on eip155:1; at least 3 native coin on eip155:1)',
  )
  t.equal(
    refuse({ not: c(0) }, answers([true])),
    'The wallet does not meet this gate: at least 1 native coin on eip155:1: met, and the gate asks that it is not',
    'a not names the part that was met',
  )
  t.equal(
    refuse({ not: c(0), label: 'not revoked' }, answers([true])),
    'The wallet does not meet this gate: not revoked: not met',
    'a labelled not is its own reason',
  )
  t.equal(
    refuse({ not: { all: [c(0), c(1)] } }, answers([true, true])),
    'The wallet does not meet this gate: all of 2: met (2 of 2), and the gate asks that it is not',
  )
  t.equal(
    refuse({ not: { any: [c(0), c(1)] } }, answers([true, false])),
    'The wallet does not meet this gate: at least 1 native coin on eip155:1: met, and the gate asks that it is not',
  )
  t.equal(
    refuse(
      { any: [c(0, 'Gold pass'), { ...allowlist, label: 'friends of the project' }], label: 'Members' },
      answers([false]),
    ),
    'The wallet does not meet this gate: Members: 0 met (not met: Gold pass; friends of the project)',
    'labels stand for their parts',
  )
  t.equal(
    refuse({ all: [c(0, 'Gold pass'), { ...allowlist, label: 'friends' }] }, answers([false])),
    'The wallet does not meet this gate: Gold pass: not met; friends: not met',
  )
  t.equal(
    refuse({ all: [0, 1, 2, 3, 4, 5].map((i) => c(i)) }, answers([false, false, false, false, false, false])),
    'The wallet does not meet this gate: at least 1 native coin on eip155:1: not met; at least 2 native coin on eip155:1: not met; at least 3 native coin on eip155:1: not met; at least 4 native coin on eip155:1: not met (and 2 more)',
    'at most four reasons',
  )
  t.equal(
    refuse({ all: [c(0), { any: [c(1), { not: c(2) }] }] }, answers([true, false, true])),
    'The wallet does not meet this gate: any of 2: 0 met (not met: at least 2 native coin on eip155:1; not)',
  )
})

t.test('walletLookup: allowlists and chain families', async (t) => {
  const evmList = conditionOf({ allowlist: [WALLET, SOL_WALLET] })
  const erc20 = conditionOf({ erc20: { contract: PASS } })
  const native = conditionOf({ native: { chain: 'solana' } })
  const spl = conditionOf({ splToken: { chain: 'solana', mint: MINT } })
  const picketEvm = conditionOf({ picket: { contractAddress: PASS } })
  const check = (wallet: string, chain: string, node: typeof evmList) => walletLookup(wallet, chain)(node)
  t.same(check(WALLET, 'ethereum', evmList), { verdict: true, source: 'wallet' })
  t.same(
    check(WALLET.toLowerCase(), 'polygon', evmList),
    { verdict: true, source: 'wallet' },
    'EVM: case-insensitive',
  )
  t.same(check(`0x${WALLET.slice(2).toUpperCase()}`, 'ethereum', evmList), {
    verdict: true,
    source: 'wallet',
  })
  t.same(check(OTHER, 'ethereum', evmList), { verdict: false, source: 'wallet' })
  t.same(check(SOL_WALLET, 'solana', evmList), { verdict: true, source: 'wallet' }, 'Solana: exact')
  t.same(
    check(SOL_WALLET.toLowerCase(), 'solana', evmList),
    { verdict: false, source: 'wallet' },
    'Solana: case matters',
  )
  t.same(check(SOL_WALLET.toUpperCase(), 'solana', evmList), { verdict: false, source: 'wallet' })
  t.same(
    check(SOL_WALLET, 'solana', erc20),
    { verdict: false, source: 'wallet' },
    'an EVM condition, a Solana wallet',
  )
  t.same(check(SOL_WALLET, 'solana', picketEvm), { verdict: false, source: 'wallet' })
  t.same(
    check(WALLET, 'ethereum', spl),
    { verdict: false, source: 'wallet' },
    'a Solana condition, an EVM wallet',
  )
  t.same(check(WALLET, 'base', native), { verdict: false, source: 'wallet' })
  t.same(check(WALLET, 'ethereum', erc20), { verdict: undefined }, 'the same family: to be read')
  t.same(check(SOL_WALLET, 'solana', spl), { verdict: undefined })
  t.same(
    check('0xabcdef0123456789', 'flow', erc20),
    { verdict: false, source: 'wallet' },
    'a Flow wallet meets no chain condition',
  )
  const outcome = evaluateGate(
    gateOf({ any: [{ erc20: { contract: PASS } }, { allowlist: [WALLET] }] }),
    walletLookup(SOL_WALLET, 'solana'),
  )
  t.equal(outcome.met, false, 'decided without a read')
})

t.test('tokenLookup: gateFacts, per-id balances and Picket balances', async (t) => {
  const erc20 = conditionOf({ erc20: { contract: PASS, min: '5' } })
  const erc20Base = conditionOf({ erc20: { chain: 'base', contract: PASS, min: '5' } })
  const claims = (extra: Partial<TokenFactsClaims> = {}): TokenFactsClaims => ({
    chain: 'ethereum',
    caip2: 'eip155:1',
    walletAddress: WALLET,
    tokenBalances: {},
    ...extra,
  })
  const look = (node: typeof erc20, extra?: Partial<TokenFactsClaims>) => tokenLookup(claims(extra))(node)

  // gateFacts: by key and chain.
  t.same(look(erc20), { verdict: undefined }, 'nothing known')
  t.same(look(erc20, { gateFacts: { 'eip155:1': { block: 7, met: { [erc20.key]: true } } } }), {
    verdict: true,
    source: 'token',
  })
  t.same(look(erc20, { gateFacts: { 'eip155:1': { met: { [erc20.key]: false } } } }), {
    verdict: false,
    source: 'token',
  })
  t.same(
    look(erc20, { gateFacts: { 'eip155:8453': { met: { [erc20.key]: true } } } }),
    { verdict: undefined },
    'a fact under another chain is not used',
  )
  t.same(
    look(erc20, { gateFacts: { 'eip155:1': { met: { [erc20Base.key]: true } } } }),
    { verdict: undefined },
    "another condition's fact is not used",
  )
  t.same(
    look(erc20Base, { gateFacts: { 'eip155:8453': { met: { [erc20Base.key]: true } } } }),
    { verdict: true, source: 'token' },
    'facts of chains other than the token’s',
  )
  t.same(
    look(erc20, { gateFacts: { 'eip155:1': { met: JSON.parse('{"__proto__": true}') } } }),
    { verdict: undefined },
    'own keys only',
  )
  const list = conditionOf({ allowlist: [OTHER] })
  t.same(
    look(list, { gateFacts: { 'eip155:1': { met: { [list.key]: true } } } }),
    { verdict: false, source: 'wallet' },
    'an allowlist is never taken from facts',
  )
  t.same(
    tokenLookup(
      claims({
        chain: 'solana',
        walletAddress: SOL_WALLET,
        gateFacts: { 'eip155:1': { met: { [erc20.key]: true } } },
      }),
    )(erc20),
    { verdict: false, source: 'wallet' },
    'the wallet family comes first',
  )

  // Per-id balances never answer erc721/erc1155 conditions: they do not say which standard they
  // were read for (an ERC-1155 record once proved an erc721 condition on the same contract).
  const e1155 = conditionOf({ erc1155: { contract: PASS, id: '7', min: '2' } })
  const ids = (perId: Record<string, string>) => ({ tokenIdBalances: { [PASS_LOWER]: perId } })
  t.same(look(e1155, ids({ '7': '3' })), { verdict: undefined }, 'erc1155: per-id balances prove nothing')
  const e721 = conditionOf({ erc721: { contract: PASS, ids: ['1-3'], min: 2 } })
  t.same(look(e721, ids({ '1': '1', '2': '0', '3': '1' })), { verdict: undefined }, 'erc721: neither')
  t.same(look(erc20, ids({ '1': '9' })), { verdict: undefined }, 'ERC-20 is never proven by balances')

  // Picket conditions: claimsSatisfy, true or unknown.
  const picket = conditionOf({ picket: { contractAddress: PASS, minTokenBalance: '2' } })
  t.same(look(picket, { tokenBalances: { contractAddress: { [PASS]: '2' } } }), {
    verdict: true,
    source: 'token',
  })
  t.same(
    look(picket, { tokenBalances: { contractAddress: { [PASS]: '1' } } }),
    { verdict: undefined },
    'not proven is not false',
  )
  t.same(look(picket, { tokenBalances: {} }), { verdict: undefined })
  t.same(
    look(picket, {
      chain: 'polygon',
      caip2: 'eip155:137',
      tokenBalances: { contractAddress: { [PASS]: '2' } },
    }),
    { verdict: undefined },
    'balances of another chain',
  )
  t.same(
    look(picket, { caip2: undefined, tokenBalances: { contractAddress: { [PASS]: '2' } } }),
    { verdict: undefined },
    'a token that does not say which chain its balances were read on proves nothing by them',
  )
  t.same(
    look(picket, {
      chain: 'localhost',
      caip2: 'eip155:31337',
      tokenBalances: { contractAddress: { [PASS]: '2' } },
    }),
    { verdict: undefined },
    "the authority's chain id, not an adapter's alias for the slug, decides",
  )
  const perId = conditionOf({ picket: { contractAddress: PASS, tokenIds: ['1', '2'], minTokenBalance: '2' } })
  t.same(
    look(perId, { tokenBalances: { contractAddress: { [PASS]: '5' } } }),
    { verdict: undefined },
    'tokenIds: a contract-wide balance proves nothing',
  )
  t.same(look(perId, ids({ '1': '1', '2': '1' })), { verdict: true, source: 'token' }, 'the per-id rule')
  const solPicket = conditionOf({ picket: { chain: 'solana', collection: SOL_OTHER } })
  t.same(
    tokenLookup(
      claims({
        chain: 'solana',
        walletAddress: SOL_WALLET,
        caip2: SOLANA,
        tokenBalances: { collection: { [SOL_OTHER]: '1' } },
      }),
    )(solPicket),
    { verdict: true, source: 'token' },
  )

  // A whole gate from a token.
  const gate = gateOf({
    all: [
      { erc1155: { contract: PASS, id: '7', min: '2' } },
      { any: [{ allowlist: [WALLET] }, { erc20: { contract: PASS } }] },
    ],
  })
  const facts = (met: Record<string, boolean>) => ({ gateFacts: { 'eip155:1': { block: 9, met } } })
  const [badge] = gate.conditions
  t.equal(evaluateGate(gate, tokenLookup(claims(facts({ [badge!.key]: true })))).met, true)
  t.equal(
    evaluateGate(gate, tokenLookup(claims({ ...facts({ [badge!.key]: true }), walletAddress: OTHER }))).met,
    undefined,
    'the erc20 is to be read',
  )
})

t.test('mergeGateFacts', async (t) => {
  const older: GateFacts = {
    'eip155:1': { block: 100, met: { a: true, b: false } },
    [SOLANA]: { met: { s: true } },
  }
  const snapshot = structuredClone(older)
  const newer: GateFacts = {
    'eip155:1': { block: 90, met: { b: true, c: false } },
    'eip155:8453': { block: 5, met: { d: true } },
  }
  t.same(
    mergeGateFacts(older, newer),
    {
      'eip155:1': { block: 90, met: { a: true, b: true, c: false } },
      [SOLANA]: { met: { s: true } },
      'eip155:8453': { block: 5, met: { d: true } },
    },
    'new answers win, the older block is kept',
  )
  t.same(older, snapshot, 'the older facts are not changed')
  t.same(
    mergeGateFacts({ 'eip155:1': { block: 80, met: {} } }, { 'eip155:1': { block: 90, met: {} } }),
    { 'eip155:1': { block: 80, met: {} } },
    'min block per chain',
  )
  t.same(
    mergeGateFacts({ 'eip155:1': { met: { a: true } } }, { 'eip155:1': { block: 90, met: {} } }),
    { 'eip155:1': { met: { a: true } } },
    'a block not known stays not known',
  )
  t.same(
    mergeGateFacts({ 'eip155:1': { block: 3, met: { a: true } } }, { 'eip155:1': { met: { b: true } } }),
    { 'eip155:1': { met: { a: true, b: true } } },
  )
  t.same(mergeGateFacts(undefined, newer), newer, 'no older facts')

  const many = (prefix: string, n: number, chain = 'eip155:1'): GateFacts => ({
    [chain]: {
      block: 1,
      met: Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, true])),
    },
  })
  const full = mergeGateFacts(many('old', MAX_GATE_FACTS - 10), many('new', 10, 'eip155:10'))
  t.equal(
    Object.values(full).reduce((sum, f) => sum + Object.keys(f.met).length, 0),
    MAX_GATE_FACTS,
    'up to the limit: all kept',
  )
  const over = many('new', 11, 'eip155:10')
  t.same(mergeGateFacts(many('old', MAX_GATE_FACTS - 10), over), over, 'over the limit: only the new read')
  t.same(
    mergeGateFacts(many('k', MAX_GATE_FACTS), many('k', 5)),
    many('k', MAX_GATE_FACTS),
    'the same keys again: no overflow',
  )
})

t.test('the gateFacts claim shape', async (t) => {
  const payload = (gateFacts?: unknown) => ({
    chain: 'ethereum',
    walletAddress: WALLET,
    displayAddress: WALLET,
    iss: 'https://picket.example',
    sub: `ethereum:${WALLET}`,
    aud: 'project',
    tid: 'tid-1',
    iat: 1,
    exp: 2,
    ver: 1,
    tokenBalances: {},
    ...(gateFacts === undefined ? {} : { gateFacts }),
  })
  const problem = "token claim 'gateFacts' must map chains to { block?, met: { key: boolean } }"
  t.equal(accessTokenClaimsProblem(payload()), undefined, 'no gateFacts')
  for (const good of [
    {},
    { 'eip155:1': { met: {} } },
    { 'eip155:1': { block: 0, met: { k: true, j: false } } },
    { [SOLANA]: { met: { k: false } } },
  ]) {
    t.equal(accessTokenClaimsProblem(payload(good)), undefined, JSON.stringify(good))
  }
  const bad: unknown[] = [
    'x',
    [],
    42,
    null,
    { 'eip155:1': 'x' },
    { 'eip155:1': [] },
    { 'eip155:1': {} },
    { 'eip155:1': { met: [] } },
    { 'eip155:1': { met: null } },
    { 'eip155:1': { met: { k: 'true' } } },
    { 'eip155:1': { met: { k: 1 } } },
    { 'eip155:1': { met: { k: null } } },
    { 'eip155:1': { block: -1, met: {} } },
    { 'eip155:1': { block: 1.5, met: {} } },
    { 'eip155:1': { block: '5', met: {} } },
    { 'eip155:1': { block: 2 ** 53, met: {} } },
    { 'eip155:1': { met: {} }, 'eip155:10': { met: { k: 'yes' } } },
  ]
  for (const value of bad) {
    t.equal(accessTokenClaimsProblem(payload(value)), problem, JSON.stringify(value) ?? String(value))
  }
})
