import { checkEvmAddress, isSolanaAddress } from './addresses.js'
import { tokenIdKey } from './claims-satisfy.js'
import { compareDecimal, formatDecimal, parseDecimal } from './decimal.js'
import { closestKey } from './did-you-mean.js'
import { canonicalAbiValue, formatCallFunction, parseCallFunction, parseComparison } from './gate-call.js'
import { caip2Family, resolveGateChain, SOLANA_MAINNET } from './gate-chains.js'
import { canonicalKey } from './gate-key.js'
import {
  type Bounds,
  type Caip2ChainId,
  type CompiledGate,
  type ConditionNode,
  GATE_LIMITS,
  type GateNode,
} from './gate-language.js'
import { parseGateRequirements } from './gate-requirements.js'
import { isRecord } from './is-record.js'
import {
  type ConfigErrorFactory,
  childPath,
  describeValue,
  refuseUndefinedValues,
  refuseUnknownKeys,
} from './strict-input.js'

export interface GateParseContext {
  /** Chain aliases → CAIP-2 ids (`DEFAULT_CHAIN_ALIASES` and the adapter's own). */
  readonly aliases: Readonly<Record<string, Caip2ChainId>>
  /**
   * The chain of a condition that names none: an alias or CAIP-2 id (the route's `chain`, else
   * the adapter's). Absent: every condition must name its chain.
   */
  readonly defaultChain?: string | undefined
  /**
   * Validation before the adapter's aliases are known (Express's `requireWallet()` runs before
   * `picket()` is in reach): a chain written like an alias but unknown passes as a chain of the
   * condition's family. The gate is parsed again, strictly, with the adapter's aliases.
   */
  readonly lenientAliases?: boolean
}

const GROUPS = ['all', 'any', 'atLeast', 'not'] as const
const CONDITIONS = [
  'erc20',
  'erc721',
  'erc1155',
  'native',
  'allowlist',
  'call',
  'splToken',
  'metaplexCollection',
  'picket',
] as const
const OPERATORS: readonly string[] = [...GROUPS, ...CONDITIONS]
type Family = 'ethereum' | 'solana'

/** Which chain family each condition reads (`native` and `picket` read either). */
const FAMILY_OF: Partial<Record<(typeof CONDITIONS)[number], Family>> = {
  erc20: 'ethereum',
  erc721: 'ethereum',
  erc1155: 'ethereum',
  call: 'ethereum',
  splToken: 'solana',
  metaplexCollection: 'solana',
}

/**
 * Parses a gate strictly and compiles it to its canonical form. Refused, each with its path and
 * what to write: unknown operators and fields (with a did-you-mean), a node with two operators,
 * empty groups, `atLeast` with `n` out of 1…its length, chains that are neither an alias nor a
 * CAIP-2 id this package reads, a condition on a chain of the wrong family, malformed addresses
 * (bad EIP-55 checksums too), amounts that are not non-negative decimals, a `min` of 0 (every
 * wallet has that), `min` above `max`, id ranges that run backwards, functions that are not
 * view/pure or whose arguments do not fit, and anything over `GATE_LIMITS`.
 */
export function parseGateExpression(
  input: unknown,
  path: string,
  fail: ConfigErrorFactory,
  context: GateParseContext,
): CompiledGate {
  const state: ParseState = { fail, context, conditions: new Map(), chains: [], ids: 0 }
  const root = parseNode(input, path, state, 1)
  const conditions = [...state.conditions.values()]
  if (state.chains.length > GATE_LIMITS.chains) {
    throw fail(path, `reads ${state.chains.length} chains; at most ${GATE_LIMITS.chains} per gate`)
  }
  return Object.freeze({
    root,
    conditions: Object.freeze(conditions),
    chains: Object.freeze([...state.chains]),
    key: canonicalKey(withoutLabels(root)),
  })
}

interface ParseState {
  readonly fail: ConfigErrorFactory
  readonly context: GateParseContext
  readonly conditions: Map<string, ConditionNode>
  readonly chains: Caip2ChainId[]
  ids: number
}

function parseNode(input: unknown, path: string, state: ParseState, depth: number): GateNode {
  const { fail } = state
  if (!isRecord(input)) {
    throw fail(
      path,
      `must be a group ({ all: […] }, { any: […] }, { atLeast: { n, of } }, { not: … }) or a condition such as { erc20: { … } }, got ${describeValue(input)}`,
    )
  }
  refuseUndefinedValues(input, path, fail)
  const keys = Object.keys(input).filter((key) => key !== 'label')
  const operators = keys.filter((key) => OPERATORS.includes(key))
  const unknown = keys.find((key) => !OPERATORS.includes(key))
  if (unknown !== undefined) {
    const near = closestKey(unknown, [...OPERATORS, 'label'])
    throw fail(
      path,
      `unknown key '${unknown}'${near ? ` — did you mean '${near}'?` : ` (a node is one of ${OPERATORS.join(', ')}, with an optional label)`}`,
    )
  }
  if (operators.length === 0) throw fail(path, `is empty: write one of ${OPERATORS.join(', ')}`)
  if (operators.length > 1) {
    throw fail(
      path,
      `has both '${operators[0]}' and '${operators[1]}': one node is one group or one condition — wrap them in { all: [ … ] } or { any: [ … ] }`,
    )
  }
  const label = parseLabel(input.label, childPath(path, 'label'), fail)
  const operator = operators[0]!
  // Groups nest at most GATE_LIMITS.depth deep (a condition inside the deepest is fine).
  if ((GROUPS as readonly string[]).includes(operator) && depth > GATE_LIMITS.depth) {
    throw fail(path, `nests groups deeper than ${GATE_LIMITS.depth} levels`)
  }
  const at = childPath(path, operator)
  const labelled = label === undefined ? {} : { label }
  switch (operator) {
    case 'all':
    case 'any':
      return freeze({ type: operator, of: parseList(input[operator], at, state, depth), ...labelled })
    case 'not':
      return freeze({ type: 'not', of: parseNode(input.not, at, state, depth + 1), ...labelled })
    case 'atLeast': {
      const group = expectFields(input.atLeast, at, fail, ['n', 'of'], '{ n, of: [ … ] }')
      const of = parseList(group.of, childPath(at, 'of'), state, depth)
      const n = group.n
      if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > of.length) {
        throw fail(
          childPath(at, 'n'),
          `must be an integer from 1 to ${of.length} (the number of entries in 'of'), got ${describeValue(n)}`,
        )
      }
      return freeze({ type: 'atLeast', n: n as number, of, ...labelled })
    }
    default: {
      const condition = parseCondition(
        operator as (typeof CONDITIONS)[number],
        input[operator],
        at,
        state,
        labelled,
      )
      // One condition asked twice is read once and answered once.
      if (!state.conditions.has(condition.key)) {
        if (condition.type === 'erc721' && condition.ranges) {
          // Ids are read once per distinct condition, so they count once.
          state.ids += rangeSize(condition.ranges)
          if (state.ids > GATE_LIMITS.idsPerGate) {
            throw fail(
              childPath(at, 'ids'),
              `brings the gate to ${state.ids} ids; at most ${GATE_LIMITS.idsPerGate} per gate`,
            )
          }
        }
        if (state.conditions.size >= GATE_LIMITS.conditions) {
          throw fail(
            path,
            `is condition number ${state.conditions.size + 1}; at most ${GATE_LIMITS.conditions} per gate`,
          )
        }
        state.conditions.set(condition.key, condition)
      }
      if ('chain' in condition && !state.chains.includes(condition.chain)) state.chains.push(condition.chain)
      return condition
    }
  }
}

function parseList(value: unknown, path: string, state: ParseState, depth: number): GateNode[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw state.fail(path, `must be a non-empty array of groups and conditions, got ${describeValue(value)}`)
  }
  return value.map((entry, i) => parseNode(entry, childPath(path, i), state, depth + 1))
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a label may not hold
const CONTROL = /[\u0000-\u001f\u007f]/

function parseLabel(value: unknown, path: string, fail: ConfigErrorFactory): string | undefined {
  if (value === undefined) return undefined
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > GATE_LIMITS.label ||
    CONTROL.test(value)
  ) {
    throw fail(
      path,
      `must be a short text (1–${GATE_LIMITS.label} characters, no control characters), got ${describeValue(value)}`,
    )
  }
  return value
}

function expectFields(
  value: unknown,
  path: string,
  fail: ConfigErrorFactory,
  keys: readonly string[],
  shape: string,
): Record<string, unknown> {
  if (!isRecord(value)) throw fail(path, `must be ${shape}, got ${describeValue(value)}`)
  refuseUnknownKeys(value, { keys }, path, fail)
  refuseUndefinedValues(value, path, fail)
  return value
}

type Labelled = { label?: string }

function parseCondition(
  kind: (typeof CONDITIONS)[number],
  value: unknown,
  path: string,
  state: ParseState,
  labelled: Labelled,
): ConditionNode {
  const { fail } = state
  const field = (key: string) => childPath(path, key)
  const keyed = (node: ConditionFields): ConditionNode => conditionWithKey(node, labelled)

  if (kind === 'allowlist') {
    const wallets = parseAllowlist(value, path, fail)
    return keyed({ type: 'allowlist', wallets })
  }
  const fields = CONDITION_FIELDS[kind]
  const input = expectFields(
    value,
    path,
    fail,
    ['chain', ...fields.required, ...fields.optional],
    fields.shape,
  )
  for (const required of fields.required) {
    if (input[required] === undefined) throw fail(path, `needs '${required}': ${fields.shape}`)
  }
  const chain = conditionChain(kind, input.chain, field('chain'), state, path, familyHint(kind, input))
  const family = caip2Family(chain)!
  switch (kind) {
    case 'erc20':
      return keyed({
        type: 'erc20',
        chain,
        contract: evmAddress(input.contract, field('contract'), fail),
        ...bounds(input, path, fail),
      })
    case 'erc721': {
      const ranges = input.ids === undefined ? undefined : idRanges(input.ids, field('ids'), state)
      const count = ranges ? rangeSize(ranges) : undefined
      const min = wholeCount(input.min, field('min'), fail, count)
      return keyed({
        type: 'erc721',
        chain,
        contract: evmAddress(input.contract, field('contract'), fail),
        ...(ranges ? { ranges } : {}),
        min,
      })
    }
    case 'erc1155': {
      const id =
        typeof input.id === 'string' || typeof input.id === 'number'
          ? tokenIdKey(String(input.id))
          : undefined
      if (id === undefined)
        throw fail(
          field('id'),
          `must be a token id (a uint256 as a string of digits), got ${describeValue(input.id)}`,
        )
      return keyed({
        type: 'erc1155',
        chain,
        contract: evmAddress(input.contract, field('contract'), fail),
        id,
        ...bounds(input, path, fail, { integer: true }),
      })
    }
    case 'native':
      return keyed({ type: 'native', chain, ...bounds(input, path, fail) })
    case 'call': {
      const fn = parseCallFunction(input.function, field('function'), fail)
      const args = input.args === undefined ? [] : input.args
      if (!Array.isArray(args) || args.length !== fn.inputs.length) {
        throw fail(
          field('args'),
          `must list ${fn.inputs.length} argument(s) for ${formatCallFunction(fn)}, got ${describeValue(input.args)}`,
        )
      }
      if (args.length > GATE_LIMITS.callArgs)
        throw fail(field('args'), `at most ${GATE_LIMITS.callArgs} arguments`)
      const output = input.output === undefined ? 0 : input.output
      if (
        !Number.isSafeInteger(output) ||
        (output as number) < 0 ||
        (output as number) >= fn.outputs.length
      ) {
        throw fail(field('output'), `must be the index of a return value, 0 to ${fn.outputs.length - 1}`)
      }
      const outputType = fn.outputs[output as number]!.type
      const comparison = parseComparison(input.compare, outputType, field('compare'), fail)
      return keyed({
        type: 'call',
        chain,
        contract: evmAddress(input.contract, field('contract'), fail),
        function: formatCallFunction(fn),
        args: args.map((arg, i) =>
          canonicalAbiValue(fn.inputs[i]!.type, arg, childPath(field('args'), i), fail),
        ),
        output: output as number,
        outputType,
        operator: comparison.operator,
        value: comparison.value,
      })
    }
    case 'splToken':
      return keyed({
        type: 'splToken',
        chain,
        mint: solanaAddress(input.mint, field('mint'), fail, 'an SPL mint address'),
        ...bounds(input, path, fail),
      })
    case 'metaplexCollection':
      return keyed({
        type: 'metaplexCollection',
        chain,
        collection: solanaAddress(input.collection, field('collection'), fail, 'a collection address'),
        min: wholeCount(input.min, field('min'), fail),
      })
    case 'picket': {
      const { chain: _chain, ...rest } = input
      const requirements = parseGateRequirements(rest, path, fail, family)
      if (requirements.allowedWallets) {
        throw fail(
          field('allowedWallets'),
          "is the other half of Picket's OR: write it as { any: [ { allowlist: [ … ] }, { picket: { … } } ] }",
        )
      }
      return keyed({ type: 'picket', chain, requirements })
    }
  }
}

/** A condition's fields without its key and label. */
export type ConditionFields = ConditionNode extends infer N
  ? N extends ConditionNode
    ? Omit<N, 'key' | 'label'>
    : never
  : never

/** A canonical condition with its key: the hash of exactly its fields (in this order). */
export function conditionWithKey(node: ConditionFields, labelled: { label?: string } = {}): ConditionNode {
  return freeze({ ...node, key: canonicalKey(node), ...labelled }) as ConditionNode
}

const AMOUNTS = ['min', 'max'] as const
const CONDITION_FIELDS: Record<
  Exclude<(typeof CONDITIONS)[number], 'allowlist'>,
  { required: readonly string[]; optional: readonly string[]; shape: string }
> = {
  erc20: { required: ['contract'], optional: AMOUNTS, shape: "{ chain?, contract: '0x…', min?, max? }" },
  erc721: {
    required: ['contract'],
    optional: ['ids', 'min'],
    shape: "{ chain?, contract: '0x…', ids?: ['1-100', '7'], min? }",
  },
  erc1155: {
    required: ['contract', 'id'],
    optional: AMOUNTS,
    shape: "{ chain?, contract: '0x…', id: '7', min?, max? }",
  },
  native: { required: [], optional: AMOUNTS, shape: '{ chain?, min?, max? }' },
  call: {
    required: ['contract', 'function', 'compare'],
    optional: ['args', 'output'],
    shape:
      "{ chain?, contract: '0x…', function: 'function f(address) view returns (uint256)', args?: ['$wallet'], output?, compare: { gte: '1' } }",
  },
  splToken: { required: ['mint'], optional: AMOUNTS, shape: "{ chain?, mint: '<base58>', min?, max? }" },
  metaplexCollection: {
    required: ['collection'],
    optional: ['min'],
    shape: "{ chain?, collection: '<base58>', min? }",
  },
  picket: {
    required: [],
    optional: [
      'contractAddress',
      'minTokenBalance',
      'tokenIds',
      'collection',
      'creatorAddress',
      'allowedWallets',
    ],
    shape: '{ chain?, contractAddress?, minTokenBalance?, tokenIds?, collection?, creatorAddress? }',
  },
}

function conditionChain(
  kind: (typeof CONDITIONS)[number],
  value: unknown,
  path: string,
  state: ParseState,
  conditionPath: string,
  /** The family a condition's own fields imply (`picket` reads either). */
  hint: Family,
): Caip2ChainId {
  const { fail, context } = state
  const named = value ?? context.defaultChain
  // Before the adapter is known (lenient), a condition without a chain takes the adapter's
  // default chain later: it passes here as a chain of its family.
  if (named === undefined && context.lenientAliases) return hint === 'solana' ? SOLANA_MAINNET : 'eip155:1'
  if (named === undefined)
    throw fail(
      conditionPath,
      "needs 'chain': an alias such as 'ethereum' or a CAIP-2 id such as 'eip155:8453'",
    )
  if (typeof named !== 'string')
    throw fail(path, `must be a chain alias or CAIP-2 id, got ${describeValue(named)}`)
  const resolved =
    // …unless it is one edit away from a known alias: a typo ('bsae') is refused now, by name.
    context.lenientAliases &&
    !named.includes(':') &&
    !Object.hasOwn(context.aliases, named) &&
    closestKey(named, Object.keys(context.aliases)) === undefined
      ? { chain: hint === 'solana' ? SOLANA_MAINNET : 'eip155:1' }
      : resolveGateChain(named, context.aliases)
  if ('problem' in resolved)
    throw fail(
      value === undefined ? conditionPath : path,
      `${value === undefined ? `default chain '${named}'` : `'${named}'`} ${resolved.problem}`,
    )
  const family = caip2Family(resolved.chain)!
  const wanted = FAMILY_OF[kind]
  if (wanted !== undefined && wanted !== family) {
    throw fail(
      value === undefined ? conditionPath : path,
      `${kind} reads ${wanted === 'ethereum' ? 'an EVM chain (eip155:…)' : 'Solana (solana:…)'}, but the chain is ${resolved.chain}${value === undefined ? ' (the default chain): name its chain' : ''}`,
    )
  }
  return resolved.chain
}

/** The family a condition reads, by kind, or for `picket` by its fields (as Picket infers it). */
function familyHint(kind: (typeof CONDITIONS)[number], input: Record<string, unknown>): Family {
  const byKind = FAMILY_OF[kind]
  if (byKind !== undefined) return byKind
  const solanaIds =
    Array.isArray(input.tokenIds) &&
    input.tokenIds.some((id) => typeof id === 'string' && !/^[0-9]+$/.test(id))
  return input.collection !== undefined || input.creatorAddress !== undefined || solanaIds
    ? 'solana'
    : 'ethereum'
}

function evmAddress(value: unknown, path: string, fail: ConfigErrorFactory): string {
  const check = checkEvmAddress(value)
  if (check === 'bad-checksum')
    throw fail(path, 'has a bad EIP-55 checksum: copy the address again or write it in lower case')
  if (check !== 'valid')
    throw fail(path, `must be an EVM address (0x + 40 hex digits), got ${describeValue(value)}`)
  return (value as string).toLowerCase()
}

function solanaAddress(value: unknown, path: string, fail: ConfigErrorFactory, what: string): string {
  if (!isSolanaAddress(value))
    throw fail(path, `must be ${what} (base58 of 32 bytes), got ${describeValue(value)}`)
  return value
}

function parseAllowlist(value: unknown, path: string, fail: ConfigErrorFactory): readonly string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw fail(path, `must be a non-empty array of wallet addresses, got ${describeValue(value)}`)
  if (value.length > GATE_LIMITS.allowlist)
    throw fail(path, `lists ${value.length} wallets; at most ${GATE_LIMITS.allowlist}`)
  const wallets = new Set<string>()
  value.forEach((entry, i) => {
    const check = checkEvmAddress(entry)
    if (check === 'valid') wallets.add((entry as string).toLowerCase())
    else if (check === 'bad-checksum')
      throw fail(
        childPath(path, i),
        'has a bad EIP-55 checksum: copy the address again or write it in lower case',
      )
    else if (isSolanaAddress(entry)) wallets.add(entry)
    else
      throw fail(childPath(path, i), `must be an EVM or Solana wallet address, got ${describeValue(entry)}`)
  })
  return Object.freeze([...wallets].sort())
}

/** `min`/`max` as canonical decimals; `min` 0 and `min` above `max` refused. */
function bounds(
  input: Record<string, unknown>,
  path: string,
  fail: ConfigErrorFactory,
  { integer = false }: { integer?: boolean } = {},
): Bounds {
  const result: { min?: string; max?: string } = {}
  for (const key of AMOUNTS) {
    const value = input[key]
    if (value === undefined) continue
    const parsed = typeof value === 'string' || typeof value === 'number' ? parseDecimal(value) : undefined
    if (!parsed || parsed.coefficient < 0n || (integer && formatDecimal(parsed).includes('.'))) {
      throw fail(
        childPath(path, key),
        `must be a non-negative ${integer ? 'whole number' : 'decimal'} such as '500'${integer ? '' : " or '0.5'"}, got ${describeValue(value)}`,
      )
    }
    result[key] = formatDecimal(parsed)
  }
  if (result.min !== undefined && parseDecimal(result.min)!.coefficient === 0n) {
    throw fail(
      childPath(path, 'min'),
      'is 0, which every wallet has: leave min out for "holds any" (more than zero), or use max alone for "at most"',
    )
  }
  if (result.min !== undefined && result.max !== undefined) {
    if (compareDecimal(parseDecimal(result.min)!, parseDecimal(result.max)!) > 0) {
      throw fail(path, `has min ${result.min} above max ${result.max}: no wallet can meet it`)
    }
  }
  return result
}

function wholeCount(value: unknown, path: string, fail: ConfigErrorFactory, most?: number): number {
  if (value === undefined) return 1
  if (
    !Number.isSafeInteger(value) ||
    (value as number) < 1 ||
    (most !== undefined && (value as number) > most)
  ) {
    throw fail(
      path,
      `must be a whole number from 1${most !== undefined ? ` to ${most} (the ids named)` : ''}, got ${describeValue(value)}`,
    )
  }
  return value as number
}

/** Ids and inclusive ranges (`'7'`, `'1-100'`), merged into sorted disjoint ranges. */
function idRanges(value: unknown, path: string, state: ParseState): readonly (readonly [string, string])[] {
  const { fail } = state
  if (!Array.isArray(value) || value.length === 0) {
    throw fail(
      path,
      `must be a non-empty array of token ids and ranges such as ['7', '1-100'], got ${describeValue(value)}`,
    )
  }
  const spans: [bigint, bigint][] = value.map((entry, i) => {
    const at = childPath(path, i)
    const text = typeof entry === 'number' && Number.isSafeInteger(entry) ? String(entry) : entry
    if (typeof text !== 'string')
      throw fail(at, `must be a token id or a range such as '1-100', got ${describeValue(entry)}`)
    const [from, to, extra] = text.split('-')
    const low = from === undefined ? undefined : tokenIdKey(from.trim())
    const high = to === undefined ? low : tokenIdKey(to.trim())
    if (low === undefined || high === undefined || extra !== undefined) {
      throw fail(
        at,
        `must be a token id (digits) or an inclusive range such as '1-100', got ${describeValue(entry)}`,
      )
    }
    if (BigInt(low) > BigInt(high))
      throw fail(at, `runs backwards (${low} > ${high}): write '${high}-${low}'`)
    return [BigInt(low), BigInt(high)]
  })
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const merged: [bigint, bigint][] = []
  for (const span of spans) {
    const last = merged.at(-1)
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
    if (last && span[0] <= last[1] + 1n) last[1] = span[1] > last[1] ? span[1] : last[1]
    else merged.push([span[0], span[1]])
  }
  const count = merged.reduce((sum, [low, high]) => sum + (high - low + 1n), 0n)
  if (count > BigInt(GATE_LIMITS.idsPerCondition)) {
    throw fail(
      path,
      `names ${count} ids; at most ${GATE_LIMITS.idsPerCondition} per condition (each id is one ownerOf call)`,
    )
  }
  return Object.freeze(merged.map(([low, high]) => Object.freeze([low.toString(), high.toString()] as const)))
}

function rangeSize(ranges: readonly (readonly [string, string])[]): number {
  return ranges.reduce((sum, [low, high]) => sum + Number(BigInt(high) - BigInt(low) + 1n), 0)
}

function withoutLabels(node: GateNode): unknown {
  if ('key' in node) return node.key
  const { label: _label, ...rest } = node
  if (rest.type === 'not') return { ...rest, of: withoutLabels(rest.of) }
  return { ...rest, of: rest.of.map(withoutLabels) }
}

function freeze<T extends object>(value: T): T {
  return Object.freeze(value)
}
