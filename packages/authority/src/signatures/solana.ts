import { ed25519 } from '@noble/curves/ed25519.js'
import { base58 } from '@scure/base'

/** Decodes base58 to bytes of an exact length, or `undefined` when it is anything else. */
export function decodeBase58OfLength(text: string, length: number): Uint8Array | undefined {
  try {
    const bytes = base58.decode(text)
    return bytes.length === length ? bytes : undefined
  } catch {
    return undefined
  }
}

/** A Solana wallet address is the base58 of a 32-byte ed25519 public key. */
export function isSolanaAddress(address: string): boolean {
  return decodeBase58OfLength(address, 32) !== undefined
}

/**
 * Solana wallet-adapter `signMessage` signs the UTF-8 bytes of the message with ed25519 and
 * picket-js sends the base58 of the 64-byte signature (reference §4.5).
 */
export function verifySolanaSignature(input: {
  walletAddress: string
  message: string
  signature: string
}): boolean {
  const publicKey = decodeBase58OfLength(input.walletAddress, 32)
  const signature = decodeBase58OfLength(input.signature, 64)
  if (!publicKey || !signature) return false
  try {
    // zip215: false = strict RFC 8032 checks (canonical encodings), as Solana's runtime does.
    return ed25519.verify(signature, new TextEncoder().encode(input.message), publicKey, { zip215: false })
  } catch {
    return false
  }
}
