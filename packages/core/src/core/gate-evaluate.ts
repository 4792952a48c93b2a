import type {
  ChainConditionNode,
  CompiledGate,
  ConditionNode,
  GateEvaluation,
  GateNode,
  Verdict,
  VerdictSource,
} from './gate-language.js'

/** What is known of one condition: its verdict, where it came from, why it failed. */
export interface ConditionKnowledge {
  readonly verdict: Verdict
  readonly source?: VerdictSource
  readonly error?: string
}

/** What is known of each condition (undefined verdict: not known yet). */
export type ConditionLookup = (condition: ConditionNode) => ConditionKnowledge

export interface GateOutcome {
  /** The gate's value: met, not met, not known yet (`undefined`), or undecidable (`'error'`). */
  readonly met: Verdict
  readonly tree: GateEvaluation
}

/**
 * Evaluates a gate on what is known, in Kleene's three-valued logic with `'error'` as an
 * unknown that no read will resolve: `all` is false as soon as one part is false, true when
 * every part is; `any` the mirror; `atLeast n` true with n true parts, false when too few can
 * still be true; `not` flips true and false and keeps unknown and error. A gate whose value is
 * still unknown needs reads (`pendingConditions`); one whose value is `'error'` can be neither
 * granted nor refused.
 */
export function evaluateGate(gate: CompiledGate | GateNode, lookup: ConditionLookup): GateOutcome {
  const tree = evaluateNode('root' in gate ? gate.root : gate, lookup)
  return { met: verdictOf(tree), tree }
}

/** The value an evaluation stands for (`met: null` with an `error` is `'error'`). */
function verdictOf(node: GateEvaluation): Verdict {
  if (node.met !== null) return node.met
  return node.error !== undefined ? 'error' : undefined
}

function evaluateNode(node: GateNode, lookup: ConditionLookup): GateEvaluation {
  const description = node.label ?? describedNode(node)
  if ('key' in node) {
    const known = lookup(node)
    return {
      type: node.type,
      met: typeof known.verdict === 'boolean' ? known.verdict : null,
      description,
      ...(known.source !== undefined && known.verdict !== undefined ? { source: known.source } : {}),
      ...(known.verdict === 'error' ? { error: known.error ?? 'could not be decided' } : {}),
    }
  }
  const children =
    node.type === 'not'
      ? [evaluateNode(node.of, lookup)]
      : node.of.map((child) => evaluateNode(child, lookup))
  const verdicts = children.map(verdictOf)
  const met = combine(node, verdicts)
  const failed = children.filter((child) => child.error !== undefined)
  return {
    type: node.type,
    met: typeof met === 'boolean' ? met : null,
    description,
    ...(met === 'error'
      ? { error: failed.map((child) => child.description).join('; ') + ' could not be decided' }
      : {}),
    children,
  }
}

function combine(node: Exclude<GateNode, ConditionNode>, verdicts: readonly Verdict[]): Verdict {
  const count = (value: Verdict) => verdicts.filter((verdict) => verdict === value).length
  const unknown = count(undefined)
  switch (node.type) {
    case 'not': {
      const [only] = verdicts
      return typeof only === 'boolean' ? !only : only
    }
    case 'all':
      if (count(false) > 0) return false
      if (count(true) === verdicts.length) return true
      return unknown > 0 ? undefined : 'error'
    case 'any':
      if (count(true) > 0) return true
      if (count(false) === verdicts.length) return false
      return unknown > 0 ? undefined : 'error'
    case 'atLeast': {
      const yes = count(true)
      if (yes >= node.n) return true
      if (verdicts.length - count(false) < node.n) return false
      return unknown > 0 ? undefined : 'error'
    }
  }
}

/**
 * The conditions whose answers could still change the gate's value: unknown ones, outside the
 * groups that are already decided (an `any` with a true part needs nothing more). These are what
 * a chain read must answer; the rest is skipped (short-circuit).
 */
export function pendingConditions(gate: CompiledGate, lookup: ConditionLookup): ChainConditionNode[] {
  const pending = new Map<string, ChainConditionNode>()
  const visit = (node: GateNode, evaluation: GateEvaluation): void => {
    if (evaluation.met !== null || evaluation.error !== undefined) return
    if ('key' in node) {
      if (node.type !== 'allowlist') pending.set(node.key, node)
      return
    }
    const children = node.type === 'not' ? [node.of] : node.of
    children.forEach((child, i) => {
      visit(child, evaluation.children![i]!)
    })
  }
  visit(gate.root, evaluateGate(gate, lookup).tree)
  return [...pending.values()]
}

// ---------------------------------------------------------------------------------------------
// Descriptions and refusals

function boundsText(node: { min?: string; max?: string }, unit: string): string {
  if (node.min !== undefined && node.max !== undefined) return `${node.min} to ${node.max} ${unit}`
  if (node.min !== undefined) return `at least ${node.min} ${unit}`
  if (node.max !== undefined) return `at most ${node.max} ${unit}`
  return `any ${unit}`
}

/** Descriptions of the (frozen) nodes seen: written once, not on every evaluation. */
const descriptions = new WeakMap<GateNode, string>()

function describedNode(node: GateNode): string {
  let description = descriptions.get(node)
  if (description === undefined) {
    description = describeNode(node)
    descriptions.set(node, description)
  }
  return description
}

/** A node in words, from the gate's own content only (never an allowlist's wallets). */
export function describeNode(node: GateNode): string {
  switch (node.type) {
    case 'all':
      return `all of ${node.of.length}`
    case 'any':
      return `any of ${node.of.length}`
    case 'atLeast':
      return `at least ${node.n} of ${node.of.length}`
    case 'not':
      return 'not'
    case 'erc20':
      return `${boundsText(node, 'of ERC-20')} ${node.contract} on ${node.chain}`
    case 'erc721': {
      const ids = node.ranges?.map(([low, high]) => (low === high ? low : `${low}-${high}`)).join(', ')
      const what =
        ids === undefined
          ? 'ERC-721'
          : `ERC-721 id${ids.includes(',') || ids.includes('-') ? 's' : ''} ${ids} of`
      return `${node.min === 1 ? 'holds' : `holds ${node.min} of`} ${what} ${node.contract} on ${node.chain}`
    }
    case 'erc1155':
      return `${boundsText(node, `of ERC-1155 id ${node.id} of`)} ${node.contract} on ${node.chain}`
    case 'native':
      return `${boundsText(node, 'native coin')} on ${node.chain}`
    case 'allowlist':
      return 'the wallet is on the allowlist'
    case 'call':
      return `${node.function.replace(/^function /, '')} at ${node.contract} on ${node.chain}: output ${node.operator} ${String(node.value)}`
    case 'splToken':
      return `${boundsText(node, 'of SPL mint')} ${node.mint} on ${node.chain}`
    case 'metaplexCollection':
      return `holds ${node.min === 1 ? 'an NFT' : `${node.min} NFTs`} of collection ${node.collection} on ${node.chain}`
    case 'picket':
      return `Picket requirements on ${node.chain}`
  }
}

const MAX_REASONS = 4

/**
 * Why a gate refused, in one sentence for a 403: the parts that decided "no", from the gate's
 * own content. Nothing about other wallets is in it: allowlists are named, never listed.
 */
export function explainRefusal(tree: GateEvaluation): string {
  const reasons: string[] = []
  collect(tree, false, reasons)
  const listed = reasons.slice(0, MAX_REASONS)
  const more = reasons.length > MAX_REASONS ? ` (and ${reasons.length - MAX_REASONS} more)` : ''
  return `The wallet does not meet this gate: ${listed.join('; ')}${more}`
}

/** The parts that made `node` come out as `wanted` (false for a refusal). */
function collect(node: GateEvaluation, wanted: boolean, reasons: string[]): void {
  if (!node.children) {
    reasons.push(`${node.description}: ${wanted ? 'met, and the gate asks that it is not' : 'not met'}`)
    return
  }
  if (node.type === 'not') {
    // A labelled `not` ("not revoked") is its own reason; an unlabelled one is its part's.
    if (node.description !== 'not') reasons.push(`${node.description}: ${wanted ? 'met' : 'not met'}`)
    else collect(node.children[0]!, !wanted, reasons)
    return
  }
  const deciding = node.children.filter((child) => child.met === wanted)
  const recurse = (node.type === 'all' && !wanted) || (node.type === 'any' && wanted)
  if (recurse) {
    for (const child of deciding) collect(child, wanted, reasons)
    return
  }
  // Summarised: every part of an `any` failed, not enough of an `atLeast` are met, or (under a
  // `not`) every part of an `all` is met.
  const met = node.children.filter((child) => child.met === true).length
  const parts = deciding.map((child) => child.description).join('; ')
  reasons.push(
    wanted
      ? `${node.description}: met (${met} of ${node.children.length}), and the gate asks that it is not`
      : `${node.description}: ${met} met (not met: ${parts})`,
  )
}
