import { chainTypeOf } from './chain-type.js'
import { claimsSatisfy, type ProvingClaims } from './claims-satisfy.js'
import { caip2Family } from './gate-chains.js'
import type { ConditionKnowledge, ConditionLookup } from './gate-evaluate.js'
import type { AllowlistNode } from './gate-language.js'
import type { GateFacts } from './types.js'

const UNKNOWN: ConditionKnowledge = Object.freeze({ verdict: undefined })
const EVM_HEX = /^0x[0-9a-fA-F]{40}$/

/** Sets of the allowlists seen, built once per (frozen) node. */
const allowlistSets = new WeakMap<AllowlistNode, ReadonlySet<string>>()

function onAllowlist(node: AllowlistNode, walletAddress: string): boolean {
  let set = allowlistSets.get(node)
  if (!set) {
    set = new Set(node.wallets)
    allowlistSets.set(node, set)
  }
  return set.has(EVM_HEX.test(walletAddress) ? walletAddress.toLowerCase() : walletAddress)
}

/**
 * What is known without any read: allowlists (the wallet is or is not on it), and conditions on
 * a chain of another family than the wallet's (an EVM condition is never met by a Solana wallet).
 */
export function walletLookup(walletAddress: string, walletChain: string): ConditionLookup {
  const family = chainTypeOf(walletChain)
  return (node) => {
    if (node.type === 'allowlist') return { verdict: onAllowlist(node, walletAddress), source: 'wallet' }
    if (caip2Family(node.chain) !== family) return { verdict: false, source: 'wallet' }
    return UNKNOWN
  }
}

export interface TokenFactsClaims extends ProvingClaims {
  gateFacts?: GateFacts | undefined
  caip2?: string | undefined
}

/**
 * What a token proves about each condition: `walletLookup`'s answers, then the answers a chain
 * gave for exactly this condition (`gateFacts`, by key and chain), then, for `picket`
 * conditions on the chain the token's balances were read on (its `caip2` claim, as the
 * authority that minted it serves that chain), Picket's rule on those balances
 * (`claimsSatisfy`; "not proven" stays unknown). Per-id balances do not answer `erc721` or
 * `erc1155` conditions: they do not say which standard they were read for, and a gate names it.
 */
export function tokenLookup(claims: TokenFactsClaims): ConditionLookup {
  const fromWallet = walletLookup(claims.walletAddress, claims.chain)
  return (node) => {
    const known = fromWallet(node)
    if (known.verdict !== undefined || node.type === 'allowlist') return known
    const facts = claims.gateFacts?.[node.chain]?.met
    if (facts && Object.hasOwn(facts, node.key)) return { verdict: facts[node.key] === true, source: 'token' }
    if (node.type === 'picket' && node.chain === claims.caip2 && claimsSatisfy(claims, node.requirements)) {
      return { verdict: true, source: 'token' }
    }
    return UNKNOWN
  }
}

/** The most condition answers one token carries; more only means more reads later. */
export const MAX_GATE_FACTS = 256

/**
 * The token's answers with a new read's merged in (new answers win). Per chain, the block is the
 * older of the two: the answers are at least as fresh as that. When the merge would carry more
 * than `MAX_GATE_FACTS` answers, only the new read's are kept (fewer answers in a token never
 * open a gate, they only cost a read).
 */
export function mergeGateFacts(older: GateFacts | undefined, newer: GateFacts): GateFacts {
  const merged: GateFacts = {}
  for (const [chain, facts] of Object.entries(older ?? {}))
    merged[chain] = { ...facts, met: { ...facts.met } }
  for (const [chain, facts] of Object.entries(newer)) {
    const held = merged[chain]
    const block =
      held === undefined
        ? facts.block
        : held.block === undefined || facts.block === undefined
          ? undefined
          : Math.min(held.block, facts.block)
    merged[chain] = { ...(block === undefined ? {} : { block }), met: { ...held?.met, ...facts.met } }
  }
  const count = Object.values(merged).reduce((sum, facts) => sum + Object.keys(facts.met).length, 0)
  return count <= MAX_GATE_FACTS ? merged : newer
}
