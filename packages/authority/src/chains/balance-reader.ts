import { LRUCache } from 'lru-cache'
import type { Requirements } from 'picket-core'
import { hasTokenRequirements, tokenIdKey } from 'picket-core'
import type { PublicClient } from 'viem'
import { throwIfAborted } from './abort.js'
import type { BalanceReading } from './balance-reading.js'
import { ReadPool, ReadPoolBusyError, SharedReads } from './concurrency.js'
import { resolveDisplayAddress as resolveEnsDisplayAddress } from './display-address.js'
import { createEndpointBreakers, type EndpointBreakers } from './endpoint-breakers.js'
import { ChainRpcNotConfiguredError, ChainUnavailableError, TokenGatingUnsupportedError } from './errors.js'
import { readEvmBalances } from './evm-balances.js'
import { createEvmClients } from './evm-clients.js'
import { createLatestBlocks } from './latest-block.js'
import { type ChainDefinition, chainReadIdentity } from './registry.js'
import { readSolanaBalances } from './solana-balances.js'
import { createTokenStandardDetector } from './token-standard.js'

export interface BalanceReader {
  /**
   * Reads balances for every token requirement in `requirements` (canonical, from core's
   * normalizeRequirements) that applies to the chain type: `contractAddress` on EVM chains,
   * `tokenIds`/`collection`/`creatorAddress` on Solana. Keys are the requirement strings as
   * received (§2.11); other categories are left out. EVM reads with `tokenIds` also return the
   * per-id balances (`tokenIdBalances`). Never a pass on failure.
   *
   * @throws TokenGatingUnsupportedError the chain has token requirements but no way to check them (Flow)
   * @throws ChainRpcNotConfiguredError token requirements on a chain without an RPC URL (503)
   * @throws InvalidAddressError a wallet/contract/mint/collection/creator address is malformed
   * @throws UnsupportedTokenError an EVM contract is not an ERC-20/721/1155
   * @throws InvalidRequirementError e.g. an ERC-1155 contract without tokenIds
   * @throws ChainUnavailableError the RPC failed, timed out or the signal aborted
   */
  readBalances(
    chain: ChainDefinition,
    walletAddress: string,
    requirements: Requirements,
    opts?: {
      signal?: AbortSignal
      /** Read the chain now: the balance cache is not consulted (its entry is refreshed). */
      fresh?: boolean
    },
  ): Promise<BalanceReading>
  /** ENS name for EVM chains whose RPC resolves one, else the address; never throws, short timeout. */
  resolveDisplayAddress(chain: ChainDefinition, walletAddress: string): Promise<string>
  /** viem PublicClient for an EVM chain with rpcUrl (cached per chain), e.g. for ERC-1271 checks. */
  publicClientFor(chain: ChainDefinition): PublicClient | undefined
  /** The circuit breakers of every RPC endpoint this reader calls. */
  readonly breakers?: EndpointBreakers
  close?(): Promise<void>
}

export interface BalanceReaderOptions {
  /** Chain reads in flight at once across all requests (default 32); more wait their turn. */
  maxConcurrentReads?: number
  /** Chain reads in flight at once for one request (default 4). */
  maxReadsPerRequest?: number
  /** Milliseconds per RPC call. Default 5000. */
  timeout?: number
  /** fetch used for every RPC call (viem transport and Solana JSON-RPC). Default: global fetch. */
  fetch?: typeof fetch
  /** Milliseconds the ENS lookup behind displayAddress may take. Default min(timeout, 2000). */
  ensTimeout?: number
  /** Contracts whose detected token standard is remembered. Default 1000. */
  tokenStandardCacheSize?: number
  /** Consecutive failures that open an RPC endpoint's circuit. Default 3. */
  breakerFailures?: number
  /** Milliseconds an open endpoint is skipped before one probe. Default 10 000. */
  breakerCooldownMs?: number
  /**
   * Milliseconds a balance reading is reused for the same question (chain, contract or mints,
   * owner, ids). Default 0: every gate decision reads the chain (reads in flight are shared).
   */
  balanceCacheMs?: number
  /** Readings kept at most by that cache. Default 10 000. */
  balanceCacheSize?: number
  /** Told when an RPC endpoint's circuit opens or closes again (for the log). */
  onEndpointChange?: (url: string, state: 'open' | 'closed') => void
}

export const DEFAULT_RPC_TIMEOUT_MS = 5000

export function createBalanceReader(opts: BalanceReaderOptions = {}): BalanceReader {
  const timeout = opts.timeout ?? DEFAULT_RPC_TIMEOUT_MS
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new TypeError('timeout must be a positive number of ms')
  const ensTimeout = opts.ensTimeout ?? Math.min(timeout, 2000)
  const breakers = createEndpointBreakers({
    failures: opts.breakerFailures ?? 3,
    cooldownMs: opts.breakerCooldownMs ?? 10_000,
    ...(opts.onEndpointChange && { onChange: opts.onEndpointChange }),
  })
  const clients = createEvmClients({ timeout, fetch: opts.fetch, breakers })
  const blocks = createLatestBlocks()
  const cacheMs = opts.balanceCacheMs ?? 0
  // A reading is evidence only while young: bounded by age (ttl, not refreshed by reads) and count.
  const recent =
    cacheMs > 0
      ? new LRUCache<string, BalanceReading>({ max: opts.balanceCacheSize ?? 10_000, ttl: cacheMs })
      : undefined
  const detector = createTokenStandardDetector({ max: opts.tokenStandardCacheSize ?? 1000 })
  const pool = new ReadPool(opts.maxConcurrentReads ?? 32)
  const perRequest = opts.maxReadsPerRequest ?? 4
  const shared = new SharedReads<BalanceReading>()

  /** The reads of one question, each through the pool, on the shared read's signal. */
  function read(
    chain: ChainDefinition,
    walletAddress: string,
    requirements: Requirements,
    signal: AbortSignal,
  ): Promise<BalanceReading> {
    const limits = {
      run: <T>(call: () => Promise<T>) =>
        pool.run(call, signal).catch((error: unknown) => {
          if (error instanceof ReadPoolBusyError) {
            throw new ChainUnavailableError(
              chain.slug,
              'the authority is busy with other chain reads; try again',
              {
                cause: error,
              },
            )
          }
          throw error
        }),
      perRequest,
    }
    if (chain.chainType === 'ethereum') {
      return readEvmBalances(
        { clients, detector, blocks, limits },
        chain,
        walletAddress,
        requirements,
        signal,
      )
    }
    return readSolanaBalances(chain, walletAddress, requirements, {
      timeout,
      signal,
      fetch: opts.fetch,
      limits,
      breakers,
    }).then((tokenBalances) => ({ tokenBalances }))
  }

  return {
    async readBalances(chain, walletAddress, requirements, readOpts = {}) {
      const { signal } = readOpts
      if (!appliesTo(chain, requirements)) {
        // Flow has no reader at all: any token requirement there is a request we can't serve.
        if (chain.chainType === 'flow' && hasTokenRequirements(requirements)) {
          throw new TokenGatingUnsupportedError(chain.slug, 'token balances are not implemented for Flow')
        }
        return { tokenBalances: {} }
      }
      if (!chain.authorizationSupported || chain.rpcUrl === undefined) {
        throw new ChainRpcNotConfiguredError(chain.slug)
      }
      throwIfAborted(signal, chain)
      // Identical questions in flight share one read, which stops when no one waits any more;
      // with a balance cache, a recent answer to the same question is the answer.
      const key = readKey(chain, walletAddress, requirements)
      const cached = readOpts.fresh ? undefined : recent?.get(key)
      if (cached) return cached
      try {
        const reading = await shared.run(key, signal, (sharedSignal) =>
          read(chain, walletAddress, requirements, sharedSignal),
        )
        recent?.set(key, reading)
        return reading
      } catch (error) {
        if (signal?.aborted && error === signal.reason) {
          throw new ChainUnavailableError(chain.slug, 'request aborted before the chain answered', {
            cause: error,
          })
        }
        throw error
      }
    },
    resolveDisplayAddress(chain, walletAddress) {
      return resolveEnsDisplayAddress(clients.clientFor(chain), chain, walletAddress, ensTimeout)
    },
    publicClientFor(chain) {
      return clients.clientFor(chain)
    },
    breakers,
    async close() {
      clients.clear()
      detector.clear()
      recent?.clear()
    },
  }
}

/**
 * What a reading answers, and nothing else: the chain and its endpoints, the owner, and the
 * token parts of the requirements this chain type reads (contract and ids on EVM; mints,
 * collections and creator on Solana), ids in canonical order. Contracts and mints stay as sent:
 * the answer is keyed by the requirement string as received (§2.11). Requirements that differ only in
 * what no read looks at (allowedWallets, minTokenBalance) share a reading.
 */
function readKey(chain: ChainDefinition, walletAddress: string, requirements: Requirements): string {
  const ids = (list: readonly string[] | undefined) =>
    list === undefined ? '-' : [...new Set(list.map((id) => tokenIdKey(id) ?? `?${id}`))].sort().join(',')
  const where = chainReadIdentity(chain)
  if (chain.chainType === 'ethereum') {
    return `${where}\n${walletAddress.toLowerCase()}\n${requirements.contractAddress}\n${ids(requirements.tokenIds)}`
  }
  const list = (values: readonly string[] | undefined) =>
    values === undefined ? '-' : [...values].sort().join(',')
  return `${where}\n${walletAddress}\n${list(requirements.tokenIds)}\n${list(requirements.collection)}\n${requirements.creatorAddress ?? '-'}`
}

/** Whether `requirements` has a token category this chain type can read. */
function appliesTo(chain: ChainDefinition, requirements: Requirements): boolean {
  switch (chain.chainType) {
    case 'ethereum':
      return requirements.contractAddress !== undefined
    case 'solana':
      return (
        requirements.tokenIds !== undefined ||
        requirements.collection !== undefined ||
        requirements.creatorAddress !== undefined
      )
    case 'flow':
      return false
  }
}
