import { randomInt } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** 24 characters of a 62-letter alphabet ≈ 143 bits: unguessable within a 2-minute lifetime. */
export const NONCE_LENGTH = 24

/**
 * A fresh nonce: crypto-random and alphanumeric, because EIP-4361 requires the SIWE nonce to
 * be at least 8 alphanumeric characters. `randomInt` samples without modulo bias.
 */
export function generateNonce(length = NONCE_LENGTH): string {
  let nonce = ''
  for (let i = 0; i < length; i++) nonce += ALPHABET[randomInt(ALPHABET.length)]
  return nonce
}
