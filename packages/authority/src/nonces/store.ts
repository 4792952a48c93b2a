import type { ChainType } from 'picket-core'

/**
 * Where live nonces are kept (reference §4.4): one per project + chain type + normalised
 * wallet address, alive for a fixed TTL that re-requests do not extend.
 */
export interface NonceStore {
  /** The live nonce for `key`, or a new one stored for the TTL when none is alive. */
  issue(key: string): Promise<string>
  /** The live nonce for `key`, if any. */
  get(key: string): Promise<string | undefined>
  /**
   * Deletes `key` if and only if its live value is `nonce`, atomically: of any number of
   * concurrent calls with the same arguments, exactly one sees `true`.
   */
  consume(key: string, nonce: string): Promise<boolean>
  /** Live nonces now (the `picket_authority_nonce_store_size` metric); optional. */
  size?(): Promise<number>
  /** Resolves when the store's backend answers (readiness: Redis PING); optional. */
  ping?(): Promise<void>
  close(): Promise<void>
}

/**
 * The store key. EVM addresses are case-insensitive (EIP-55 checksums are presentation only),
 * so they are lower-cased; Solana base58 addresses are case-sensitive and kept verbatim.
 */
export function nonceKey(projectId: string, chainType: ChainType, walletAddress: string): string {
  const address = chainType === 'ethereum' ? walletAddress.toLowerCase() : walletAddress
  return `${projectId}:${chainType}:${address}`
}

/**
 * The store holds as many live nonces as it may: a new one is refused (503 with Retry-After)
 * rather than an older live one evicted, which would fail a login its wallet already signed.
 */
export class NonceStoreFullError extends Error {
  /** Seconds to wait: a quarter of the nonce lifetime, by when some live nonces are used or gone. */
  readonly retryAfter: number

  constructor(nonceTtlSeconds: number) {
    super('the nonce store is full')
    this.name = 'NonceStoreFullError'
    this.retryAfter = Math.max(1, Math.ceil(nonceTtlSeconds / 4))
  }
}

/** Default bound on live nonces, per store (memory) or per key prefix (Redis). */
export const DEFAULT_MAX_LIVE_NONCES = 100_000
