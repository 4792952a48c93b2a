/**
 * Properties of gate evaluation (issue 15), on random gates and random answers from a seeded
 * generator (mulberry32, so a failure reproduces from the seed and iteration printed with it):
 * the groups mean what they say, the three-valued logic is monotone (a decided gate stays
 * decided whatever the unknown parts turn out to be), and `pendingConditions` names exactly
 * what is left to read.
 */
import {
  type CompiledGate,
  type ConditionLookup,
  DEFAULT_CHAIN_ALIASES,
  evaluateGate,
  gateExpressionOf,
  parseGateExpression,
  pendingConditions,
  type Verdict,
} from 'picket-core'
import t from 'tap'

const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const SEED = 20261202
const RUNS = 600

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const fail = (path: string, problem: string) => new Error(`${path}: ${problem}`)
const gateOf = (value: unknown): CompiledGate =>
  parseGateExpression(value, 'gate', fail, { aliases: DEFAULT_CHAIN_ALIASES, defaultChain: 'ethereum' })

/** Eight conditions of several kinds; the allowlist is always decided (as walletLookup does). */
const POOL: readonly unknown[] = [
  { native: { min: '1' } },
  { native: { chain: 'base', max: '2' } },
  { erc20: { contract: PASS, min: '500' } },
  { erc721: { contract: PASS, ids: ['1-3'], min: 2 } },
  { erc1155: { contract: PASS, id: '7' } },
  {
    call: {
      contract: PASS,
      function: 'function isMember(address) view returns (bool)',
      args: ['$wallet'],
      compare: { eq: true },
    },
  },
  { picket: { contractAddress: PASS } },
  { allowlist: [WALLET] },
]
const POOL_KEYS = POOL.map((condition) => gateOf(condition).conditions[0]!.key)
const ALLOWLIST_KEY = POOL_KEYS[7]!

type Random = () => number
type Assignment = ReadonlyMap<string, Verdict>
const VERDICTS: readonly Verdict[] = [true, false, undefined, 'error']
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1))

/** A random gate expression: conditions under at most `groups` levels of groups. */
function randomExpression(random: Random, groups = 3): unknown {
  if (groups === 0 || random() < 0.35) return pick(random, POOL)
  const kind = pick(random, ['all', 'any', 'atLeast', 'not'] as const)
  if (kind === 'not') return { not: randomExpression(random, groups - 1) }
  const of = Array.from({ length: between(random, 1, 4) }, () => randomExpression(random, groups - 1))
  if (kind === 'atLeast') return { atLeast: { n: between(random, 1, of.length), of } }
  return { [kind]: of }
}

/** Random answers for the pool: any of the four verdicts, booleans for the allowlist. */
function randomAssignment(random: Random, verdicts: readonly Verdict[] = VERDICTS): Map<string, Verdict> {
  return new Map(
    POOL_KEYS.map((key) => [key, key === ALLOWLIST_KEY ? random() < 0.5 : pick(random, verdicts)]),
  )
}
const lookupOf =
  (assignment: Assignment): ConditionLookup =>
  (node) => ({ verdict: assignment.get(node.key) })
const verdict = (expression: unknown, assignment: Assignment): Verdict =>
  evaluateGate(gateOf(expression), lookupOf(assignment)).met
const show = (v: Verdict) => (v === undefined ? 'undefined' : String(v))

/** Runs `check` RUNS times with a fresh generator per property; returns the failures (at most 5). */
function forAll(name: string, check: (random: Random, run: number) => string | undefined): string[] {
  const random = mulberry32(SEED ^ hash(name))
  const failures: string[] = []
  for (let run = 0; run < RUNS && failures.length < 5; run++) {
    const problem = check(random, run)
    if (problem !== undefined) failures.push(`seed ${SEED}, run ${run}: ${problem}`)
  }
  return failures
}
function hash(text: string): number {
  let h = 2166136261
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619)
  return h >>> 0
}

t.test('all[g1…gn] is met exactly when every gi is, and refused exactly when some gi is', async (t) => {
  const failures = forAll('all', (random) => {
    const parts = Array.from({ length: between(random, 1, 5) }, () => randomExpression(random))
    const assignment = randomAssignment(random)
    const whole = verdict({ all: parts }, assignment)
    const each = parts.map((part) => verdict(part, assignment))
    if ((whole === true) !== each.every((v) => v === true))
      return `all → ${show(whole)}, parts ${each.map(show)}`
    if ((whole === false) !== each.some((v) => v === false))
      return `all → ${show(whole)}, parts ${each.map(show)}`
    const any = verdict({ any: parts }, assignment)
    if ((any === true) !== each.some((v) => v === true)) return `any → ${show(any)}, parts ${each.map(show)}`
    if ((any === false) !== each.every((v) => v === false))
      return `any → ${show(any)}, parts ${each.map(show)}`
    return undefined
  })
  t.same(failures, [], `${RUNS} random gates`)
})

t.test('not(not x) is x, unknown and error included', async (t) => {
  const seen = new Set<string>()
  const failures = forAll('not-not', (random) => {
    const x = randomExpression(random)
    const assignment = randomAssignment(random)
    const plain = verdict(x, assignment)
    seen.add(show(plain))
    const twice = verdict({ not: { not: x } }, assignment)
    const once = verdict({ not: x }, assignment)
    const flipped = typeof plain === 'boolean' ? !plain : plain
    if (twice !== plain) return `not not → ${show(twice)}, x → ${show(plain)}`
    if (once !== flipped) return `not → ${show(once)}, x → ${show(plain)}`
    return undefined
  })
  t.same(failures, [], `${RUNS} random gates`)
  t.same([...seen].sort(), ['error', 'false', 'true', 'undefined'], 'every verdict was met along the way')
})

t.test(
  'De Morgan: not(all[…]) ≡ any[not …], not(atLeast n) ≡ atLeast (len − n + 1) of the negations',
  async (t) => {
    const failures = forAll('de-morgan', (random) => {
      const parts = Array.from({ length: between(random, 1, 4) }, () => randomExpression(random))
      const assignment = randomAssignment(random)
      const negated = parts.map((part) => ({ not: part }))
      const a = verdict({ not: { all: parts } }, assignment)
      const b = verdict({ any: negated }, assignment)
      if (a !== b) return `not all → ${show(a)}, any not → ${show(b)}`
      const n = between(random, 1, parts.length)
      const c = verdict({ not: { atLeast: { n, of: parts } } }, assignment)
      const d = verdict({ atLeast: { n: parts.length - n + 1, of: negated } }, assignment)
      if (c !== d) return `not atLeast ${n} → ${show(c)}, atLeast ${parts.length - n + 1} of not → ${show(d)}`
      return undefined
    })
    t.same(failures, [], `${RUNS} random gates`)
  },
)

t.test('adding a part to a met any keeps it met', async (t) => {
  let met = 0
  const failures = forAll('any-grows', (random) => {
    const parts = Array.from({ length: between(random, 1, 4) }, () => randomExpression(random))
    const assignment = randomAssignment(random)
    if (verdict({ any: parts }, assignment) !== true) return undefined
    met++
    const extra = randomExpression(random)
    const at = between(random, 0, parts.length)
    const grown = [...parts.slice(0, at), extra, ...parts.slice(at)]
    const after = verdict({ any: grown }, assignment)
    return after === true ? undefined : `any with one more part → ${show(after)}`
  })
  t.same(failures, [], `${RUNS} random gates`)
  t.ok(met > RUNS / 4, `${met} of them met`)
})

t.test('atLeast{1, of} ≡ any(of), atLeast{len, of} ≡ all(of), and a lower n never asks more', async (t) => {
  const failures = forAll('atLeast', (random) => {
    const of = Array.from({ length: between(random, 1, 5) }, () => randomExpression(random))
    const assignment = randomAssignment(random)
    const one = verdict({ atLeast: { n: 1, of } }, assignment)
    const any = verdict({ any: of }, assignment)
    if (one !== any) return `atLeast 1 → ${show(one)}, any → ${show(any)}`
    const every = verdict({ atLeast: { n: of.length, of } }, assignment)
    const all = verdict({ all: of }, assignment)
    if (every !== all) return `atLeast ${of.length} → ${show(every)}, all → ${show(all)}`
    for (let n = 2; n <= of.length; n++) {
      const higher = verdict({ atLeast: { n, of } }, assignment)
      const lower = verdict({ atLeast: { n: n - 1, of } }, assignment)
      if (higher === true && lower !== true) return `atLeast ${n} met but atLeast ${n - 1} → ${show(lower)}`
      if (lower === false && higher !== false)
        return `atLeast ${n - 1} refused but atLeast ${n} → ${show(higher)}`
    }
    return undefined
  })
  t.same(failures, [], `${RUNS} random gates`)
})

t.test('monotone: a decided gate stays decided whatever its unknown parts turn out to be', async (t) => {
  let decidedWithUnknowns = 0
  const failures = forAll('monotone', (random) => {
    const gate = gateOf(randomExpression(random))
    const assignment = randomAssignment(random)
    const before = evaluateGate(gate, lookupOf(assignment)).met
    const unknown = [...assignment].filter(([, v]) => v === undefined).map(([key]) => key)
    if (before === undefined) return undefined
    if (gate.conditions.some((condition) => unknown.includes(condition.key))) decidedWithUnknowns++
    for (let trial = 0; trial < 4; trial++) {
      const refined = new Map(assignment)
      for (const key of unknown) refined.set(key, pick(random, [true, false, 'error'] as const))
      const after = evaluateGate(gate, lookupOf(refined)).met
      if (after !== before)
        return `${show(before)} became ${show(after)} when ${unknown.length} unknown parts were answered`
    }
    return undefined
  })
  t.same(failures, [], `${RUNS} random gates`)
  t.ok(decidedWithUnknowns > 50, `${decidedWithUnknowns} gates decided with unknown conditions in them`)
})

t.test('pendingConditions: unknown conditions only, and answering them decides the gate', async (t) => {
  let withPending = 0
  const failures = forAll('pending', (random) => {
    const gate = gateOf(randomExpression(random))
    const assignment = randomAssignment(random)
    const lookup = lookupOf(assignment)
    const before = evaluateGate(gate, lookup).met
    const pending = pendingConditions(gate, lookup)
    const keys = pending.map((node) => node.key)
    if (new Set(keys).size !== keys.length) return 'a condition is pending twice'
    for (const node of pending) {
      if (!gate.conditions.some((condition) => condition.key === node.key))
        return 'pending: not a condition of the gate'
      if (assignment.get(node.key) !== undefined)
        return `pending: ${node.type} is already ${show(assignment.get(node.key))}`
      if (node.type === ('allowlist' as string)) return 'pending: an allowlist'
    }
    if (before !== undefined && pending.length > 0) return `${show(before)} with ${pending.length} pending`
    if (before === undefined && pending.length === 0) return 'unknown with nothing pending'
    if (pending.length > 0) withPending++
    const answered = new Map(assignment)
    for (const key of keys) answered.set(key, random() < 0.5)
    const after = evaluateGate(gate, lookupOf(answered)).met
    if (after === undefined) return `still unknown after reading ${keys.length} pending conditions`
    if (before !== undefined && after !== before) return `${show(before)} became ${show(after)}`
    return undefined
  })
  t.same(failures, [], `${RUNS} random gates`)
  t.ok(withPending > 50, `${withPending} gates with conditions to read`)

  const noErrors = forAll('pending-no-errors', (random) => {
    const gate = gateOf(randomExpression(random))
    const assignment = randomAssignment(random, [true, false, undefined])
    const pending = pendingConditions(gate, lookupOf(assignment))
    const answered = new Map(assignment)
    for (const node of pending) answered.set(node.key, random() < 0.5)
    const after = evaluateGate(gate, lookupOf(answered)).met
    return typeof after === 'boolean'
      ? undefined
      : `without errors, answering the pending ones gives ${show(after)}`
  })
  t.same(noErrors, [], 'without errors: answering what is pending gives a boolean')
})

t.test('a gate written back and parsed again evaluates the same, under the same key', async (t) => {
  const failures = forAll('round-trip', (random) => {
    const gate = gateOf(randomExpression(random))
    const again = parseGateExpression(JSON.parse(JSON.stringify(gateExpressionOf(gate.root))), 'gate', fail, {
      aliases: {},
    })
    if (again.key !== gate.key) return 'another gate key'
    if (again.conditions.map((c) => c.key).join() !== gate.conditions.map((c) => c.key).join())
      return 'other condition keys'
    const assignment = randomAssignment(random)
    const a = evaluateGate(gate, lookupOf(assignment)).met
    const b = evaluateGate(again, lookupOf(assignment)).met
    return a === b ? undefined : `${show(a)} before, ${show(b)} after`
  })
  t.same(failures, [], `${RUNS} random gates`)
})
