import { keccak_256 } from '@noble/hashes/sha3.js'
import { base58 } from '@scure/base'

/**
 * Address checks per chain family, for configuration (gates, allowlists) and the authority.
 * Core cannot load viem (plugin users don't install it), so EIP-55 is computed here over
 * @noble/hashes' keccak-256; test/core/addresses.test.ts compares it with viem's on random keys.
 */

const EVM_HEX = /^0x[0-9a-fA-F]{40}$/

/** EIP-55 mixed-case checksum form of a `0x` + 40 hex address (any case in, checksummed out). */
export function toChecksumAddress(address: string): string {
  const hex = address.slice(2).toLowerCase()
  const hash = keccak_256(new TextEncoder().encode(hex))
  let out = '0x'
  for (let i = 0; i < 40; i++) {
    // Nibble i of the hash decides the case of hex digit i (EIP-55).
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f
    out += nibble >= 8 ? hex[i]!.toUpperCase() : hex[i]
  }
  return out
}

export type EvmAddressCheck = 'valid' | 'malformed' | 'bad-checksum'

/**
 * `0x` + 40 hex digits. All-lower-case and all-upper-case addresses carry no checksum and are
 * accepted; a mixed-case address must match its EIP-55 checksum (a typo in a pasted address
 * then fails instead of gating on a contract nobody holds).
 */
export function checkEvmAddress(address: unknown): EvmAddressCheck {
  if (typeof address !== 'string' || !EVM_HEX.test(address)) return 'malformed'
  const digits = address.slice(2)
  if (digits === digits.toLowerCase() || digits === digits.toUpperCase()) return 'valid'
  return toChecksumAddress(address) === address ? 'valid' : 'bad-checksum'
}

/**
 * A wallet address as a key to count or look up by (rate limits): EVM addresses are
 * case-insensitive, so they are keyed in lower case; others as written, at most 128 characters.
 * Not a validation: anything that is not a string is `''`.
 */
export function walletKey(address: unknown): string {
  if (typeof address !== 'string') return ''
  return EVM_HEX.test(address) ? address.toLowerCase() : address.slice(0, 128)
}

export function isEvmAddress(address: unknown): address is string {
  return checkEvmAddress(address) === 'valid'
}

/** A Solana public key (wallet, mint, collection, creator): base58 of exactly 32 bytes. */
export function isSolanaAddress(address: unknown): address is string {
  // 32 bytes are 32–44 base58 characters; the length check keeps hostile input cheap to reject.
  if (typeof address !== 'string' || address.length < 32 || address.length > 44) return false
  try {
    return base58.decode(address).length === 32
  } catch {
    return false
  }
}
