import { type Chain, createPublicClient, defineChain, http, type PublicClient } from 'viem'
import { mainnet } from 'viem/chains'
import type { ChainDefinition } from './registry.js'

export interface EvmClientOptions {
  /** Milliseconds per JSON-RPC request. */
  timeout: number
  fetch?: typeof fetch | undefined
}

export interface EvmClients {
  /** A public client for an EVM chain with an `rpcUrl`; the same instance for the same chain settings. */
  clientFor(chain: ChainDefinition): PublicClient | undefined
  clear(): void
}

/**
 * One viem public client per (chain, RPC URL). Settings are chosen for a gate:
 * - `retryCount: 0`: a retry doubles the worst-case latency of a request that is already
 *   waiting on us; the caller gets a typed "unavailable" and its client may retry.
 * - no batching and no multicall: every read is a plain `eth_call`, which every node (ganache
 *   included, which has no multicall3) answers, and one slow read can't hold up a batch.
 */
export function createEvmClients(options: EvmClientOptions): EvmClients {
  const clients = new Map<string, PublicClient>()
  return {
    clientFor(chain) {
      if (chain.chainType !== 'ethereum' || chain.rpcUrl === undefined) return undefined
      const key = `${chain.slug}\n${chain.chainId}\n${chain.rpcUrl}`
      let client = clients.get(key)
      if (!client) {
        client = createPublicClient({
          chain: viemChain(chain, chain.rpcUrl),
          transport: http(chain.rpcUrl, {
            timeout: options.timeout,
            retryCount: 0,
            batch: false,
            ...(options.fetch && { fetchFn: options.fetch }),
          }),
          batch: { multicall: false },
          // Nothing here polls; keep the default cache of eth_chainId/blockNumber out of the way.
          cacheTime: 0,
          // EIP-3668 CCIP-Read off: a contract named in a request (a "token", a contract wallet)
          // could revert with an OffchainLookup naming any URL, and the client would fetch it from
          // inside this server's network. No balance, interface or signature read needs it.
          ccipRead: false,
        }) as PublicClient
        clients.set(key, client)
      }
      return client
    },
    clear() {
      clients.clear()
    },
  }
}

/**
 * Ethereum mainnet gets viem's definition because it carries the ENS universal resolver that
 * `getEnsName` needs (§2.2: displayAddress is the ENS name). Other chains have no ENS.
 */
function viemChain(chain: ChainDefinition, rpcUrl: string): Chain {
  if (chain.chainId === mainnet.id) return mainnet
  return defineChain({
    id: chain.chainId,
    name: chain.chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}
