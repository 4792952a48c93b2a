import { getAddress } from 'viem'
import type { ChainDefinition } from './chains/registry.js'

/**
 * The address as it goes into tokens: EIP-55 checksummed for EVM chains, so one wallet has one
 * `sub` whatever casing the client sent; verbatim for Solana (base58 is case-sensitive). The
 * signed message keeps the address exactly as sent (§4.2).
 */
export function canonicalWalletAddress(chain: ChainDefinition, walletAddress: string): string {
  return chain.chainType === 'ethereum' ? getAddress(walletAddress.toLowerCase()) : walletAddress
}
