import type { PublicClient } from 'viem'

/**
 * The chain's head, asked once for everyone waiting at the same moment: concurrent reads on one
 * chain share one `eth_blockNumber`. Nothing is kept after it answers — a remembered head would
 * pin reads to a block older than a transfer the wallet just made.
 */
export interface LatestBlocks {
  latest(key: string, client: PublicClient): Promise<bigint>
}

export function createLatestBlocks(): LatestBlocks {
  const inFlight = new Map<string, Promise<bigint>>()
  return {
    latest(key, client) {
      let pending = inFlight.get(key)
      if (!pending) {
        pending = client.getBlockNumber({ cacheTime: 0 }).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      return pending
    },
  }
}
