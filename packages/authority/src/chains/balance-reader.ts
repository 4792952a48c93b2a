import { LRUCache } from 'lru-cache'
import type { ChainConditionNode, Requirements } from 'picket-core'
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
import { type EvmGateCondition, readEvmGateConditions } from './evm-gate-reads.js'
import type { ChainGateReading, ConditionAnswer, GateReadOptions } from './gate-reading.js'
import { createLatestBlocks } from './latest-block.js'
import { type ChainDefinition, chainReadIdentity } from './registry.js'
import { readSolanaBalances } from './solana-balances.js'
import { readSolanaGateConditions, type SolanaGateCondition } from './solana-gate-reads.js'
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
  /**
   * Answers a gate's conditions on one chain (every condition given is on `chain`): met, not
   * met, or why it cannot be decided (`ConditionAnswer`), by condition key. EVM answers are all
   * read at one block (`blockNumber`). Identical reads in flight are shared; nothing is cached.
   *
   * @throws TokenGatingUnsupportedError on Flow
   * @throws ChainRpcNotConfiguredError on a chain without an RPC URL (503)
   * @throws InvalidAddressError the wallet address is malformed
   * @throws ChainUnavailableError the RPC failed, timed out or the signal aborted
   */
  readGateConditions?(
    chain: ChainDefinition,
    walletAddress: string,
    conditions: readonly ChainConditionNode[],
    opts?: GateReadOptions,
  ): Promise<ChainGateReading>
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
  const sharedGates = new SharedReads<ChainGateReading>()

  /** Every RPC call of a read through the pool; a full pool is "try again", not a queue. */
  function limitsFor(chain: ChainDefinition, signal: AbortSignal) {
    return {
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
  }

  /** The reads of one question, each through the pool, on the shared read's signal. */
  function read(
    chain: ChainDefinition,
    walletAddress: string,
    requirements: Requirements,
    signal: AbortSignal,
  ): Promise<BalanceReading> {
    const limits = limitsFor(chain, signal)
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

  /** A gate's conditions on one chain, through the pool, on the shared read's signal. No cache. */
  function readGate(
    chain: ChainDefinition,
    walletAddress: string,
    conditions: readonly ChainConditionNode[],
    signal: AbortSignal,
  ): Promise<ChainGateReading> {
    const limits = limitsFor(chain, signal)
    // `picket` conditions are Picket requirements: read exactly as readBalances reads them
    // (sharing its reads in flight, never from its balance cache), on this gate read's signal.
    const readPicket = (requirements: Requirements) =>
      reader.readBalances(chain, walletAddress, requirements, { signal, fresh: true })
    const evm = chain.chainType === 'ethereum'
    const kinds = evm ? EVM_CONDITION_TYPES : SOLANA_CONDITION_TYPES
    const own: ChainConditionNode[] = []
    const others = new Map<string, ConditionAnswer>()
    for (const condition of conditions) {
      if (kinds.has(condition.type)) own.push(condition)
      else others.set(condition.key, { error: `a ${condition.type} condition is not read on ${chain.slug}` })
    }
    const reading = evm
      ? readEvmGateConditions(
          { clients, detector, blocks, limits },
          chain,
          walletAddress,
          own as EvmGateCondition[],
          {
            signal,
            readPicket,
          },
        )
      : readSolanaGateConditions(
          { timeout, signal, fetch: opts.fetch, limits, breakers },
          chain,
          walletAddress,
          own as SolanaGateCondition[],
          { signal, readPicket },
        )
    if (others.size === 0) return reading
    return reading.then((read) => ({ ...read, answers: new Map([...read.answers, ...others]) }))
  }

  const reader: BalanceReader = {
    async readGateConditions(chain, walletAddress, conditions, readOpts = {}) {
      const { signal } = readOpts
      if (chain.chainType === 'flow') {
        throw new TokenGatingUnsupportedError(chain.slug, 'gate conditions are not implemented for Flow')
      }
      if (conditions.length === 0) return { answers: new Map() }
      if (!chain.authorizationSupported || chain.rpcUrl === undefined) {
        throw new ChainRpcNotConfiguredError(chain.slug)
      }
      throwIfAborted(signal, chain)
      const owner = chain.chainType === 'ethereum' ? walletAddress.toLowerCase() : walletAddress
      const key = `gate\n${chainReadIdentity(chain)}\n${owner}\n${[...new Set(conditions.map((c) => c.key))].sort().join('\n')}`
      try {
        return await sharedGates.run(key, signal, (sharedSignal) =>
          readGate(chain, walletAddress, conditions, sharedSignal),
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
  return reader
}

/** The condition kinds each chain family reads; any other is answered "not read here" (an error). */
const EVM_CONDITION_TYPES: ReadonlySet<ChainConditionNode['type']> = new Set([
  'erc20',
  'erc721',
  'erc1155',
  'native',
  'call',
  'picket',
])
const SOLANA_CONDITION_TYPES: ReadonlySet<ChainConditionNode['type']> = new Set([
  'splToken',
  'metaplexCollection',
  'native',
  'picket',
])

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
