import type { ChainType } from './types.js'

/**
 * The chain family of a chain slug as found in a token's `chain` claim. Every EVM slug uses
 * `ethereum` (§9 #32); Solana and Flow are the only others Picket knew.
 */
export function chainTypeOf(chain: string): ChainType {
  if (chain === 'solana') return 'solana'
  if (chain === 'flow') return 'flow'
  return 'ethereum'
}
