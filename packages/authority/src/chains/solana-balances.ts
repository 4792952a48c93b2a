import type { Requirements, TokenBalances } from 'picket-core'
import { addDecimals, formatDecimal, isRecord } from 'picket-core'
import { assertSolanaAddress } from './addresses.js'
import { mapLimited, type ReadLimits, ReadPool } from './concurrency.js'
import type { EndpointBreakers } from './endpoint-breakers.js'
import {
  type AddressRole,
  ChainEndpointsDownError,
  ChainUnavailableError,
  InvalidAddressError,
} from './errors.js'
import { isEndpointStatus } from './evm-errors.js'
import {
  callJsonRpc,
  JSON_RPC_INVALID_PARAMS,
  JsonRpcResponseError,
  JsonRpcTransportError,
} from './json-rpc.js'
import { type ChainDefinition, rpcEndpointsOf } from './registry.js'
import { callWithFallback, type FailureKind } from './rpc-fallback.js'

/**
 * Solana balances over plain JSON-RPC (§6.1):
 * - `tokenIds` (SPL mints): `getTokenAccountsByOwner` per mint, summing every token account the
 *   wallet holds for it (a wallet may have several besides its associated token account);
 * - `collection` and `creatorAddress`: Metaplex DAS `searchAssets`, counting assets.
 */

export interface SolanaReadOptions {
  timeout: number
  signal?: AbortSignal | undefined
  fetch?: typeof fetch | undefined
  /** Every RPC call goes through `run` (the reader's pool); a request runs `perRequest` at once. */
  limits?: ReadLimits
  /** Circuit breakers of the endpoints; without them each call goes to the first URL only. */
  breakers?: EndpointBreakers
}

/** DAS pages are at most 1000 items. */
const DAS_PAGE_LIMIT = 1000
/**
 * Pages read per DAS query. Beyond this the count is a lower bound (10 000 assets), which can
 * only make a gate stricter, never let someone through.
 */
const DAS_MAX_PAGES = 10

const PLAIN_DECIMAL = /^\d+(\.\d+)?$/
const INTEGER = /^\d+$/

export async function readSolanaBalances(
  chain: ChainDefinition,
  walletAddress: string,
  requirements: Requirements,
  options: SolanaReadOptions,
): Promise<TokenBalances> {
  const rpcUrls = rpcEndpointsOf(chain)
  if (rpcUrls.length === 0) throw new ChainUnavailableError(chain.slug, 'no rpcUrl configured')

  const dasUrls = chain.dasUrl === undefined ? rpcUrls : [chain.dasUrl]

  // Validate everything before the first request, so a typo is a 400 and costs no RPC call.
  assertSolanaAddress(chain.slug, walletAddress, 'wallet')
  for (const mint of requirements.tokenIds ?? []) assertSolanaAddress(chain.slug, mint, 'mint')
  for (const id of requirements.collection ?? []) assertSolanaAddress(chain.slug, id, 'collection')
  if (requirements.creatorAddress !== undefined) {
    assertSolanaAddress(chain.slug, requirements.creatorAddress, 'creator')
  }

  // The first failure ends the whole read: the answer is already 424, so the calls still running
  // (or waiting for the pool) stop instead of going on for a client that has its answer.
  const failed = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal
  const limits = options.limits ?? { run: <T>(read: () => Promise<T>) => read(), perRequest: 4 }
  // One budget for the request, whatever the category (mints, collections, creator).
  const own = new ReadPool(limits.perRequest, Number.POSITIVE_INFINITY)
  const call = async <R>(urls: readonly string[], method: string, params: unknown): Promise<R> => {
    if (signal.aborted) throw new ChainUnavailableError(chain.slug, 'the read was stopped')
    try {
      return await own.run(
        () =>
          limits.run(() => callSolana<R>(chain, urls, method, params, walletAddress, { ...options, signal })),
        signal,
      )
    } catch (error) {
      failed.abort(error)
      throw error
    }
  }
  const keyed = (keys: readonly string[], read: (key: string) => Promise<string>) =>
    keyedLimited(keys, limits.perRequest, read)

  const [tokenIds, collection, creatorAddress] = await Promise.all([
    requirements.tokenIds?.length
      ? keyed(requirements.tokenIds, (mint) => readMintBalance(call, chain, rpcUrls, walletAddress, mint))
      : undefined,
    requirements.collection?.length
      ? keyed(requirements.collection, (id) =>
          countAssets(call, chain, dasUrls, { ownerAddress: walletAddress, grouping: ['collection', id] }),
        )
      : undefined,
    requirements.creatorAddress !== undefined
      ? keyed([requirements.creatorAddress], (creator) =>
          countAssets(call, chain, dasUrls, {
            ownerAddress: walletAddress,
            creatorAddress: creator,
            creatorVerified: true,
          }),
        )
      : undefined,
  ])

  const balances: TokenBalances = {}
  if (tokenIds) balances.tokenIds = tokenIds
  if (collection) balances.collection = collection
  if (creatorAddress) balances.creatorAddress = creatorAddress
  return balances
}

type Call = <R>(urls: readonly string[], method: string, params: unknown) => Promise<R>

/**
 * Reads each distinct key once, `limit` at a time; the result is keyed by the requirement
 * strings as received (§2.11).
 */
async function keyedLimited(
  keys: readonly string[],
  limit: number,
  read: (key: string) => Promise<string>,
): Promise<Record<string, string>> {
  const distinct = [...new Set(keys)]
  const values = await mapLimited(distinct, limit, read)
  const out: Record<string, string> = {}
  distinct.forEach((key, i) => {
    out[key] = values[i] as string
  })
  return out
}

async function readMintBalance(
  call: Call,
  chain: ChainDefinition,
  rpcUrls: readonly string[],
  owner: string,
  mint: string,
): Promise<string> {
  const result = await call<unknown>(rpcUrls, 'getTokenAccountsByOwner', [
    owner,
    { mint },
    { encoding: 'jsonParsed' },
  ])
  const accounts = isRecord(result) ? result.value : undefined
  if (!Array.isArray(accounts))
    throw malformed(chain, 'getTokenAccountsByOwner', 'result.value is not a list')
  let total = '0'
  for (const entry of accounts) total = addDecimals(total, uiAmountOf(chain, entry))
  return total
}

/**
 * The decimal-adjusted amount of one token account. `uiAmountString` is what wallets show
 * (it also reflects Token-2022 interest/scaled-amount extensions); `amount`/`decimals` is the
 * fallback for RPCs that omit it. `uiAmount` (a float) is never used.
 */
export function uiAmountOf(chain: ChainDefinition, entry: unknown): string {
  const tokenAmount = dig(entry, ['account', 'data', 'parsed', 'info', 'tokenAmount'])
  if (!isRecord(tokenAmount)) throw malformed(chain, 'getTokenAccountsByOwner', 'missing tokenAmount')
  const { uiAmountString, amount, decimals } = tokenAmount
  if (typeof uiAmountString === 'string' && PLAIN_DECIMAL.test(uiAmountString)) return uiAmountString
  if (
    typeof amount === 'string' &&
    INTEGER.test(amount) &&
    typeof decimals === 'number' &&
    Number.isInteger(decimals) &&
    decimals >= 0 &&
    decimals <= 255
  ) {
    return formatDecimal({ coefficient: BigInt(amount), exponent: -decimals })
  }
  throw malformed(chain, 'getTokenAccountsByOwner', 'tokenAmount has no usable amount')
}

/**
 * Counts the wallet's assets matching a DAS search. In the Metaplex reference implementation
 * (and Helius) `result.total` is the number of items on *this* page, so a full page means there
 * may be more: keep paging. `items` is preferred; `total` covers providers that omit items.
 */
async function countAssets(
  call: Call,
  chain: ChainDefinition,
  dasUrls: readonly string[],
  filter: Record<string, unknown>,
): Promise<string> {
  let count = 0
  for (let page = 1; page <= DAS_MAX_PAGES; page++) {
    const result = await call<unknown>(dasUrls, 'searchAssets', { ...filter, page, limit: DAS_PAGE_LIMIT })
    const onPage = assetsOnPage(chain, result)
    count += onPage
    if (onPage < DAS_PAGE_LIMIT) break
  }
  return String(count)
}

/**
 * The number of assets on one DAS page: in the Metaplex reference implementation (and Helius)
 * `result.total` is the number on *this* page; `items` is preferred.
 */
export function assetsOnPage(chain: ChainDefinition, result: unknown): number {
  if (!isRecord(result)) throw malformed(chain, 'searchAssets', 'result is not an object')
  const onPage = Array.isArray(result.items)
    ? result.items.length
    : typeof result.total === 'number' && Number.isSafeInteger(result.total) && result.total >= 0
      ? result.total
      : undefined
  if (onPage === undefined) throw malformed(chain, 'searchAssets', 'result has neither items nor total')
  return onPage
}

/**
 * One JSON-RPC call over the endpoints in order (circuit breakers, fallback): a transport
 * failure or a JSON-RPC error about the node moves to the next endpoint; "invalid params" is the
 * answer about our request.
 */
async function callSolana<R>(
  chain: ChainDefinition,
  urls: readonly string[],
  method: string,
  params: unknown,
  walletAddress: string,
  options: SolanaReadOptions,
): Promise<R> {
  const once = (url: string) => callJsonRpc<R>(url, method, params, options)
  try {
    return await (options.breakers
      ? callWithFallback(chain.slug, urls, options.breakers, once, classifySolanaFailure, options.signal)
      : once(urls[0]!))
  } catch (err) {
    if (err instanceof ChainEndpointsDownError) throw err
    if (err instanceof JsonRpcResponseError) {
      // Invalid params means the node rejected an address we sent (e.g. a mint that is not a
      // mint account): the request is wrong, not the chain.
      if (err.code === JSON_RPC_INVALID_PARAMS) {
        const { address, role } = offendingAddress(params, walletAddress)
        throw new InvalidAddressError(chain.slug, address, role, { cause: err })
      }
      throw new ChainUnavailableError(chain.slug, err.message, { cause: err })
    }
    throw new ChainUnavailableError(chain.slug, (err as JsonRpcTransportError).message, { cause: err })
  }
}

/**
 * What a failed Solana call says about the endpoint. The question chooses the size and cost of
 * the answer (a wallet holding a huge number of token accounts, assets with long metadata), so:
 * "invalid params" is the answer about our request; a timeout or an answer over the size cap is
 * the request's (final, not counted); another JSON-RPC error or an HTTP 4xx is asked elsewhere,
 * not counted; only an unreachable endpoint, a 5xx/429 or a body that is not JSON-RPC counts.
 */
export function classifySolanaFailure(err: unknown): FailureKind {
  if (err instanceof JsonRpcResponseError)
    return err.code === JSON_RPC_INVALID_PARAMS ? 'answer' : 'elsewhere'
  if (!(err instanceof JsonRpcTransportError)) return 'elsewhere'
  if (err.timedOut || err.tooLarge) return 'request'
  if (err.status !== undefined && !isEndpointStatus(err.status)) return 'elsewhere'
  return 'endpoint'
}

/** Best guess at which address the node refused: the mint or filter address, else the wallet. */
function offendingAddress(params: unknown, walletAddress: string): { address: string; role: AddressRole } {
  if (Array.isArray(params) && isRecord(params[1]) && typeof params[1].mint === 'string') {
    return { address: params[1].mint, role: 'mint' }
  }
  if (isRecord(params)) {
    if (typeof params.creatorAddress === 'string') return { address: params.creatorAddress, role: 'creator' }
    if (Array.isArray(params.grouping) && typeof params.grouping[1] === 'string') {
      return { address: params.grouping[1], role: 'collection' }
    }
  }
  return { address: walletAddress, role: 'wallet' }
}

export function malformed(chain: ChainDefinition, method: string, detail: string): ChainUnavailableError {
  return new ChainUnavailableError(chain.slug, `${method}: malformed response (${detail})`)
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) {
    if (!isRecord(current)) return undefined
    current = current[key]
  }
  return current
}
