import { closestKey } from './did-you-mean.js'
import type { Caip2ChainId } from './gate-language.js'
import type { ChainType } from './types.js'

/** Solana clusters by the CAIP-2 reference (the genesis hash's first 32 characters). */
export const SOLANA_MAINNET: Caip2ChainId = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
export const SOLANA_DEVNET: Caip2ChainId = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'
export const SOLANA_TESTNET: Caip2ChainId = 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z'

/**
 * The chain slugs Picket and the bundled authority know, as CAIP-2 ids: a gate may name
 * `ethereum` or `base` instead of `eip155:1` or `eip155:8453`. An adapter adds its own chains
 * (the embedded authority's configured chains, `chainAliases`) over these.
 */
export const DEFAULT_CHAIN_ALIASES: Readonly<Record<string, Caip2ChainId>> = Object.freeze({
  ethereum: 'eip155:1',
  polygon: 'eip155:137',
  optimism: 'eip155:10',
  arbitrum: 'eip155:42161',
  avalanche: 'eip155:43114',
  base: 'eip155:8453',
  localhost: 'eip155:1337',
  solana: SOLANA_MAINNET,
})

const CAIP2 = /^(eip155):([1-9][0-9]{0,15})$|^(solana):([1-9A-HJ-NP-Za-km-z]{32})$/

/** The chain family of a CAIP-2 id this package reads, or `undefined` for any other. */
export function caip2Family(chain: string): Extract<ChainType, 'ethereum' | 'solana'> | undefined {
  // Asked for every condition of every evaluation: the few chains a process sees are remembered.
  const known = families.get(chain)
  if (known !== undefined || families.has(chain)) return known
  const family = familyOf(chain)
  if (families.size < 1024) families.set(chain, family)
  return family
}

const families = new Map<string, Extract<ChainType, 'ethereum' | 'solana'> | undefined>()

function familyOf(chain: string): Extract<ChainType, 'ethereum' | 'solana'> | undefined {
  const match = CAIP2.exec(chain)
  if (!match) return undefined
  if (match[1] === 'eip155') return Number.isSafeInteger(Number(match[2])) ? 'ethereum' : undefined
  return 'solana'
}

/** The CAIP-2 id of a chain of the bundled authority (EVM by chain id, Solana by cluster). */
export function caip2OfChain(chain: {
  chainType: string
  chainId: number
  slug: string
}): Caip2ChainId | undefined {
  if (chain.chainType === 'ethereum') return `eip155:${chain.chainId}`
  if (chain.chainType === 'solana') {
    // Solana has no numeric id; the registry numbers clusters as Solana's own RPC once did.
    if (chain.chainId === 101) return SOLANA_MAINNET
    if (chain.chainId === 102) return SOLANA_TESTNET
    if (chain.chainId === 103) return SOLANA_DEVNET
  }
  return undefined
}

/**
 * A chain as a gate names it: a CAIP-2 id this package reads, or an alias. Returns the CAIP-2
 * id, or a sentence saying what is wrong and what to write (with a did-you-mean for aliases).
 */
export function resolveGateChain(
  value: string,
  aliases: Readonly<Record<string, Caip2ChainId>>,
): { chain: Caip2ChainId } | { problem: string } {
  if (Object.hasOwn(aliases, value)) return { chain: aliases[value]! }
  if (value.includes(':')) {
    if (caip2Family(value) !== undefined) return { chain: value }
    return {
      problem:
        `is not a CAIP-2 chain id this gate can read: use eip155:<chain id> (e.g. 'eip155:8453') ` +
        `or solana:<genesis hash prefix> (e.g. '${SOLANA_MAINNET}')`,
    }
  }
  const near = closestKey(value, Object.keys(aliases))
  return {
    problem:
      `is not a known chain alias${near ? ` (did you mean '${near}'?)` : ''}: ` +
      `use one of ${Object.keys(aliases).join(', ')} or a CAIP-2 id such as 'eip155:8453'`,
  }
}
