import { type Caip2ChainId, caip2OfChain, DEFAULT_CHAIN_ALIASES } from 'picket-core'
import type { ChainDefinition, ChainRegistry } from '../chains/registry.js'

/**
 * The chains a gate may name on this authority: every configured chain by its slug (and the
 * defaults' aliases), as CAIP-2 ids, and back from a CAIP-2 id to the chain definition that
 * reads it. A configured slug wins over a default alias of the same name (a `localhost` chain
 * with id 31337 is `eip155:31337` here).
 */
export interface GateChains {
  readonly aliases: Readonly<Record<string, Caip2ChainId>>
  chainOf(chain: Caip2ChainId): ChainDefinition | undefined
}

export function gateChainsOf(registry: ChainRegistry): GateChains {
  const aliases: Record<string, Caip2ChainId> = { ...DEFAULT_CHAIN_ALIASES }
  const byCaip2 = new Map<Caip2ChainId, ChainDefinition>()
  for (const chain of registry.list()) {
    const id = caip2OfChain(chain)
    if (id === undefined) continue
    aliases[chain.slug] = id
    // The first chain of an id serves it (built-ins come first in the registry's order).
    if (!byCaip2.has(id)) byCaip2.set(id, chain)
  }
  return { aliases: Object.freeze(aliases), chainOf: (chain) => byCaip2.get(chain) }
}
