import type { ChainType } from 'picket-core'
import { isSolanaAddress } from 'picket-core'
import { type Address, getAddress, isAddress } from 'viem'
import { type AddressRole, InvalidAddressError } from './errors.js'

/**
 * Whether `address` is an EVM address. Not strict about the EIP-55 checksum: Picket keys
 * balances by the string as received (§2.11) and developers paste lower-case addresses.
 */
export function isEvmAddress(address: unknown): address is string {
  return typeof address === 'string' && isAddress(address, { strict: false })
}

/** Address check per chain family; Flow addresses are 8 bytes of hex, with or without `0x`. */
export function isValidAddress(chainType: ChainType, address: unknown): boolean {
  switch (chainType) {
    case 'ethereum':
      return isEvmAddress(address)
    case 'solana':
      return isSolanaAddress(address)
    case 'flow':
      return typeof address === 'string' && /^(0x)?[0-9a-fA-F]{16}$/.test(address)
  }
}

/**
 * Validates an EVM address and returns it in checksummed form for ABI encoding (viem's encoder
 * rejects mixed-case strings with a wrong checksum, which `isEvmAddress` accepts).
 */
export function toEvmAddress(chain: string, address: string, role: AddressRole): Address {
  if (!isEvmAddress(address)) throw new InvalidAddressError(chain, address, role)
  return getAddress(address.toLowerCase())
}

export function assertSolanaAddress(chain: string, address: string, role: AddressRole): void {
  if (!isSolanaAddress(address)) throw new InvalidAddressError(chain, address, role)
}

export { isSolanaAddress }
