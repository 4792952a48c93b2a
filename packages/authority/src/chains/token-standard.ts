import { LRUCache } from 'lru-cache'
import type { Address, PublicClient } from 'viem'
import { withAbort } from './abort.js'
import { UnsupportedTokenError } from './errors.js'
import { chainReadFailure, isContractLevelFailure } from './evm-errors.js'
import { type ChainDefinition, chainReadIdentity } from './registry.js'
import { decimalsAbi, erc165Abi, totalSupplyAbi } from './token-abis.js'

/** What a contract is, as far as balances go. ERC-20 carries its `decimals()`. */
export type TokenStandard = { kind: 'erc20'; decimals: number } | { kind: 'erc721' } | { kind: 'erc1155' }

/** ERC-165 interface ids (EIP-721, EIP-1155). */
export const ERC721_INTERFACE_ID = '0x80ac58cd'
export const ERC1155_INTERFACE_ID = '0xd9b67a26'

export interface TokenStandardDetector {
  /**
   * Detects the standard of `contract`.
   * @throws UnsupportedTokenError when the contract has no code or answers as no token standard
   * @throws ChainUnavailableError when the RPC fails
   */
  detect(
    client: PublicClient,
    chain: ChainDefinition,
    contract: Address,
    signal?: AbortSignal,
  ): Promise<TokenStandard>
  /** Drops a cached detection, e.g. when a later balance call reverts (an upgraded proxy). */
  forget(chain: ChainDefinition, contract: Address): void
  clear(): void
}

/**
 * Detection costs `eth_getCode` and up to four `eth_call`s (separate calls, not one multicall:
 * a node's own wording of each revert is what tells "not this standard" from an outage), and a contract's standard does not change, so
 * positive results are kept in a bounded LRU per (chain, RPC URL, contract). Negative results
 * are not cached: code can still be deployed at an empty address (CREATE2). Concurrent
 * detections of one contract share one set of calls.
 */
export function createTokenStandardDetector(options: { max?: number } = {}): TokenStandardDetector {
  const cache = new LRUCache<string, TokenStandard>({ max: options.max ?? 1000 })
  const inFlight = new Map<string, Promise<TokenStandard>>()
  const keyOf = (chain: ChainDefinition, contract: Address) =>
    `${chainReadIdentity(chain)}\n${contract.toLowerCase()}`

  return {
    async detect(client, chain, contract, signal) {
      const key = keyOf(chain, contract)
      const cached = cache.get(key)
      if (cached) return cached
      let pending = inFlight.get(key)
      if (!pending) {
        pending = probe(client, chain, contract).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      // The shared probe keeps running for other waiters; only this caller stops waiting.
      const standard = await withAbort(pending, signal, chain)
      cache.set(key, standard)
      return standard
    },
    forget(chain, contract) {
      cache.delete(keyOf(chain, contract))
    },
    clear() {
      cache.clear()
    },
  }
}

type Probe<T> = { ok: true; value: T } | { ok: false }

async function probe(
  client: PublicClient,
  chain: ChainDefinition,
  contract: Address,
): Promise<TokenStandard> {
  const code = await rpc(chain, () => client.getCode({ address: contract }))
  if (code === undefined || code === '0x') {
    throw new UnsupportedTokenError(chain.slug, contract, 'no contract code at this address')
  }

  // Independent questions, asked at once: one round trip instead of three.
  const [is721, is1155, decimals] = await Promise.all([
    call(chain, () =>
      client.readContract({
        address: contract,
        abi: erc165Abi,
        functionName: 'supportsInterface',
        args: [ERC721_INTERFACE_ID],
      }),
    ),
    call(chain, () =>
      client.readContract({
        address: contract,
        abi: erc165Abi,
        functionName: 'supportsInterface',
        args: [ERC1155_INTERFACE_ID],
      }),
    ),
    call(chain, () => client.readContract({ address: contract, abi: decimalsAbi, functionName: 'decimals' })),
  ])

  // ERC-165 first: NFT contracts may also expose ERC-20-looking functions.
  if (is721.ok && is721.value === true) return { kind: 'erc721' }
  if (is1155.ok && is1155.value === true) return { kind: 'erc1155' }
  if (decimals.ok) return { kind: 'erc20', decimals: decimals.value }

  // EIP-20 makes decimals() OPTIONAL; a token without it counts in raw units. totalSupply() is
  // mandatory, so it is what tells such a token from an arbitrary contract.
  const totalSupply = await call(chain, () =>
    client.readContract({ address: contract, abi: totalSupplyAbi, functionName: 'totalSupply' }),
  )
  if (totalSupply.ok) return { kind: 'erc20', decimals: 0 }
  throw new UnsupportedTokenError(chain.slug, contract, 'it answers as none of ERC-20, ERC-721, ERC-1155')
}

/** Runs a contract read; a contract-level failure is an answer ("no"), anything else is unavailability. */
async function call<T>(chain: ChainDefinition, read: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await read() }
  } catch (err) {
    if (isContractLevelFailure(err)) return { ok: false }
    throw chainReadFailure(chain, err)
  }
}

/** Runs a non-contract RPC read; every failure is unavailability. */
export async function rpc<T>(chain: ChainDefinition, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    throw chainReadFailure(chain, err)
  }
}
