import {
  type Caip2ChainId,
  type ChainConditionNode,
  type CompiledGate,
  type ConditionKnowledge,
  evaluateGate,
  type GateEvaluation,
  type GateFacts,
  pendingConditions,
  walletLookup,
} from 'picket-core'
import { ChainRpcNotConfiguredError } from '../chains/errors.js'
import { AuthorityError, parameterInvalid } from '../errors.js'
import type { AuthorityRuntime } from '../runtime.js'

export interface GateDecision {
  readonly met: boolean
  readonly tree: GateEvaluation
  /** What the chains answered, per chain, to record in the token. */
  readonly facts: GateFacts
}

/** A gate whose answer depends on a condition no read can decide (a call reverted, …): 424. */
export function gateUndecidable(tree: GateEvaluation): AuthorityError {
  return new AuthorityError(
    424,
    'chain_unavailable',
    `The gate could not be decided: ${tree.error ?? 'a condition failed'}`,
  )
}

/**
 * Decides a gate for a wallet by reading the chains, never from a token (a refusal is always
 * decided on fresh answers): what the wallet alone decides first (allowlists, conditions of
 * another chain family), then one batched read per chain, the chain with the fewest pending
 * conditions first, re-evaluating after each, so a chain whose answers cannot change the result
 * is never read. Conditions of a decided group are skipped (`pendingConditions`).
 *
 * @throws AuthorityError 400 for a chain this authority does not serve; 424 when the gate's
 *   answer depends on a condition that could not be decided
 * @throws ChainUnavailableError / ChainRpcNotConfiguredError from the reads (424 / 503)
 */
export async function decideGate(
  runtime: Pick<AuthorityRuntime, 'balances' | 'gateChains'>,
  wallet: { walletAddress: string; chain: string },
  gate: CompiledGate,
  signal?: AbortSignal,
): Promise<GateDecision> {
  const fromWallet = walletLookup(wallet.walletAddress, wallet.chain)
  const answers = new Map<string, ConditionKnowledge>()
  const lookup = (node: Parameters<typeof fromWallet>[0]) => answers.get(node.key) ?? fromWallet(node)
  const facts: GateFacts = {}
  for (;;) {
    const outcome = evaluateGate(gate, lookup)
    if (outcome.met === true || outcome.met === false) return { met: outcome.met, tree: outcome.tree, facts }
    if (outcome.met === 'error') throw gateUndecidable(outcome.tree)
    const [chainId, conditions] = cheapestChain(pendingConditions(gate, lookup))
    const chain = runtime.gateChains.chainOf(chainId)
    if (!chain) {
      throw parameterInvalid(
        `The gate reads ${chainId}, which this authority does not serve: add the chain to its config (chains.<slug> with its chainId)`,
      )
    }
    const read = runtime.balances.readGateConditions
    if (!read) throw new ChainRpcNotConfiguredError(chain.slug)
    const reading = await read.call(
      runtime.balances,
      chain,
      wallet.walletAddress,
      conditions,
      signal ? { signal } : {},
    )
    const met: Record<string, boolean> = {}
    for (const condition of conditions) {
      const answer = reading.answers.get(condition.key)
      if (answer === undefined || 'error' in answer) {
        const error = answer === undefined ? 'the chain read did not answer it' : answer.error
        answers.set(condition.key, { verdict: 'error', source: 'chain', error })
      } else {
        answers.set(condition.key, { verdict: answer.met, source: 'chain' })
        met[condition.key] = answer.met
      }
    }
    facts[chainId] = { ...(reading.blockNumber === undefined ? {} : { block: reading.blockNumber }), met }
  }
}

/** The chain with the fewest pending conditions (ties: the one the gate names first). */
function cheapestChain(pending: readonly ChainConditionNode[]): [Caip2ChainId, ChainConditionNode[]] {
  const byChain = new Map<Caip2ChainId, ChainConditionNode[]>()
  for (const condition of pending) {
    const list = byChain.get(condition.chain)
    if (list) list.push(condition)
    else byChain.set(condition.chain, [condition])
  }
  let best: [Caip2ChainId, ChainConditionNode[]] | undefined
  for (const entry of byChain) if (!best || entry[1].length < best[1].length) best = entry
  if (!best) throw new Error('a gate with an unknown value has no pending condition')
  return best
}
