import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { base64urlnopad } from '@scure/base'

/**
 * The key of a canonical gate or condition: SHA-256 of its canonical JSON, the first 16 bytes in
 * base64url (22 characters). A token records a condition's answer under this key, so two
 * conditions share an answer only when they ask exactly the same thing (chain, contract, ids,
 * bounds, function, comparison); finding another condition with a given key is a second
 * preimage of 128 bits.
 */
export function canonicalKey(canonical: unknown): string {
  return base64urlnopad.encode(sha256(utf8ToBytes(JSON.stringify(canonical))).subarray(0, 16))
}
