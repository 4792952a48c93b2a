import type { Requirements } from 'picket-core'
import { hasTokenRequirements, requirementsKey } from 'picket-core'
import type { PublicClient } from 'viem'
import { throwIfAborted } from './abort.js'
import type { BalanceReading } from './balance-reading.js'
import { ReadPool, ReadPoolBusyError, SharedReads } from './concurrency.js'
import { resolveDisplayAddress as resolveEnsDisplayAddress } from './display-address.js'
import { ChainRpcNotConfiguredError, ChainUnavailableError, TokenGatingUnsupportedError } from './errors.js'
import { readEvmBalances } from './evm-balances.js'
import { createEvmClients } from './evm-clients.js'
import type { ChainDefinition } from './registry.js'
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
    opts?: { signal?: AbortSignal },
  ): Promise<BalanceReading>
  /** ENS name for EVM chains whose RPC resolves one, else the address; never throws, short timeout. */
  resolveDisplayAddress(chain: ChainDefinition, walletAddress: string): Promise<string>
  /** viem PublicClient for an EVM chain with rpcUrl (cached per chain), e.g. for ERC-1271 checks. */
  publicClientFor(chain: ChainDefinition): PublicClient | undefined
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
}

export const DEFAULT_RPC_TIMEOUT_MS = 5000

export function createBalanceReader(opts: BalanceReaderOptions = {}): BalanceReader {
  const timeout = opts.timeout ?? DEFAULT_RPC_TIMEOUT_MS
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new TypeError('timeout must be a positive number of ms')
  const ensTimeout = opts.ensTimeout ?? Math.min(timeout, 2000)
  const clients = createEvmClients({ timeout, fetch: opts.fetch })
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
      return readEvmBalances({ clients, detector, limits }, chain, walletAddress, requirements, signal)
    }
    return readSolanaBalances(chain, walletAddress, requirements, {
      timeout,
      signal,
      fetch: opts.fetch,
      limits,
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
      // Identical questions in flight share one read, which stops when no one waits any more.
      const key = `${chain.slug}\n${chain.rpcUrl}\n${walletAddress}\n${requirementsKey(requirements)}`
      try {
        return await shared.run(key, signal, (sharedSignal) =>
          read(chain, walletAddress, requirements, sharedSignal),
        )
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
    async close() {
      clients.clear()
      detector.clear()
    },
  }
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
