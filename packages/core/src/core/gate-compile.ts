import { caip2Family } from './gate-chains.js'
import { canonicalKey } from './gate-key.js'
import type { Caip2ChainId, CompiledGate, ConditionNode, GateNode } from './gate-language.js'
import { conditionWithKey } from './gate-parse.js'
import { hasTokenRequirements } from './requirements.js'
import type { Requirements } from './types.js'

/**
 * Picket v1 requirements as a gate: Picket's OR (§6.2) of the allowlist and the holdings, the
 * holdings one `picket` condition so Picket's running total across categories (§6.3) is kept
 * exactly. Requirements with neither compile to a gate no wallet meets (an empty `any`), as
 * Picket refuses a wallet that is on no list and holds nothing asked for.
 *
 * @param chain the CAIP-2 chain the requirements apply to
 */
export function compileRequirements(requirements: Requirements, chain: Caip2ChainId): CompiledGate {
  const { allowedWallets, ...holdings } = requirements
  const family = caip2Family(chain)
  const parts: ConditionNode[] = []
  if (allowedWallets && allowedWallets.length > 0) {
    const wallets = allowedWallets.map((wallet) => (family === 'ethereum' ? wallet.toLowerCase() : wallet))
    parts.push(conditionWithKey({ type: 'allowlist', wallets: Object.freeze([...new Set(wallets)].sort()) }))
  }
  if (hasTokenRequirements(holdings))
    parts.push(conditionWithKey({ type: 'picket', chain, requirements: holdings }))
  const root: GateNode = Object.freeze({ type: 'any', of: Object.freeze(parts) })
  return Object.freeze({
    root,
    conditions: Object.freeze(parts),
    chains: Object.freeze(parts.some((part) => part.type === 'picket') ? [chain] : []),
    key: canonicalKey({ type: 'any', of: parts.map((part) => part.key) }),
  })
}
