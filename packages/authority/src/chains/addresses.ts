import type { ChainType } from 'picket-core'
import { checkEvmAddress, isSolanaAddress } from 'picket-core'
import { type Address, getAddress } from 'viem'
import { type AddressRole, InvalidAddressError } from './errors.js'

/**
 * Whether `address` is an EVM address as people send them: all lower case (what many wallets and
 * explorers give), all upper case, or EIP-55 checksummed. A mixed-case address whose checksum is
 * wrong is refused: that is the checksum catching a typo, and a typo'd address names some other
 * wallet or contract.
 */
export function isEvmAddress(address: unknown): address is string {
  return checkEvmAddress(address) === 'valid'
}

/**
 * The 400 wording for a mixed-case EVM address whose EIP-55 checksum is wrong, naming it;
 * `undefined` for any other input. It does not offer the "corrected" spelling: that would be the
 * checksum of the typo.
 */
export function badChecksumProblem(address: unknown): string | undefined {
  if (checkEvmAddress(address) !== 'bad-checksum') return undefined
  return `${JSON.stringify(address)} fails its EIP-55 checksum (mixed case must match it): check it for a typo, or send it all in lower case`
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

/** Validates an EVM address and returns it in its one canonical (EIP-55 checksummed) form. */
export function toEvmAddress(chain: string, address: string, role: AddressRole): Address {
  if (!isEvmAddress(address)) throw new InvalidAddressError(chain, address, role)
  return getAddress(address.toLowerCase())
}

export function assertSolanaAddress(chain: string, address: string, role: AddressRole): void {
  if (!isSolanaAddress(address)) throw new InvalidAddressError(chain, address, role)
}

export { isSolanaAddress }
