import type {
  ChainConditionNode,
  MetaplexCollectionNode,
  NativeNode,
  PicketHoldingNode,
  Requirements,
  SplTokenNode,
} from 'picket-core'
import {
  addDecimals,
  amountWithin,
  caip2OfChain,
  claimsSatisfy,
  formatDecimal,
  isRecord,
  isSolanaAddress,
} from 'picket-core'
import type { BalanceReading } from './balance-reading.js'
import { ReadPool } from './concurrency.js'
import {
  ChainEndpointsDownError,
  ChainRpcNotConfiguredError,
  ChainUnavailableError,
  InvalidAddressError,
} from './errors.js'
import type { ChainGateReading, ConditionAnswer, GateReadOptions } from './gate-reading.js'
import {
  callJsonRpcBatch,
  JSON_RPC_INVALID_PARAMS,
  type JsonRpcBatchAnswer,
  type JsonRpcCall,
  type JsonRpcResponseError,
} from './json-rpc.js'
import { type ChainDefinition, rpcEndpointsOf } from './registry.js'
import { callWithFallback } from './rpc-fallback.js'
import {
  assetsOnPage,
  classifySolanaFailure,
  malformed,
  type SolanaReadOptions,
  uiAmountOf,
} from './solana-balances.js'

/**
 * The conditions of a gate on a Solana chain, read together (issue 15):
 * - `splToken`: `getTokenAccountsByOwner(owner, { mint }, jsonParsed)` once per distinct mint,
 *   summing every token account of the mint (as `readSolanaBalances` does), then the bounds;
 * - `native`: `getBalance(owner)` once, lamports / 10^9, then the bounds;
 * - `metaplexCollection`: DAS `searchAssets` grouped by collection once per distinct collection,
 *   counting as `readSolanaBalances` does; met when the count reaches `min`;
 * - `picket`: `options.readPicket(requirements)` (the balance reader's Picket read) and core's
 *   `claimsSatisfy`, the one rule every Picket decision uses.
 *
 * Every chain call of the gate goes in ONE JSON-RPC 2.0 batch (one HTTP POST) per endpoint URL:
 * one for the RPC, and one for DAS when `dasUrl` is another URL (without it, DAS calls ride in
 * the RPC's batch). Only a collection whose count needs more than one DAS page (a `min` above
 * 1000) costs follow-up batches, one per further page for all such collections together.
 */

export type SolanaGateCondition = SplTokenNode | MetaplexCollectionNode | NativeNode | PicketHoldingNode

export type SolanaGateReadOptions = GateReadOptions & {
  /** Reads the balances a `picket` condition needs (the balance reader's `readBalances`). */
  readPicket?: (requirements: Requirements) => Promise<BalanceReading>
}

/** DAS pages are at most 1000 items. */
const DAS_PAGE_LIMIT = 1000
/**
 * Pages read per collection. A count still short of `min` after them is not "not met" (a `not`
 * around the condition would turn that into a pass): it is the condition's error.
 */
const DAS_MAX_PAGES = 10
const LAMPORTS_PER_SOL_EXPONENT = -9
const SOLANA_KINDS: ReadonlySet<string> = new Set<SolanaGateCondition['type']>([
  'splToken',
  'metaplexCollection',
  'native',
  'picket',
])

/**
 * Answers every condition, by key. A failure of the chain itself (no answer, a malformed
 * answer, a JSON-RPC error about the node) is not an answer: it throws `ChainUnavailableError`
 * (424) or `ChainEndpointsDownError` (503), never a condition "not met".
 *
 * @param deps what `readSolanaBalances` receives from the balance reader (timeout, fetch, the
 *   read pool's `limits`, the endpoints' `breakers`; its `signal` is honoured too)
 * @param conditions `SolanaGateCondition`s, all on `chain`; any other kind (an EVM one) is
 *   answered with an error, never read
 * @throws InvalidAddressError the wallet is not a Solana address (the caller guarantees the family)
 * @throws ChainRpcNotConfiguredError a chain read is needed and the chain has no RPC URL (503)
 */
export async function readSolanaGateConditions(
  deps: SolanaReadOptions,
  chain: ChainDefinition,
  walletAddress: string,
  conditions: readonly (SolanaGateCondition | ChainConditionNode)[],
  options: SolanaGateReadOptions = {},
): Promise<ChainGateReading> {
  if (chain.chainType !== 'solana') {
    throw new Error(`readSolanaGateConditions: chain ${chain.slug} is not a Solana chain`)
  }
  if (!isSolanaAddress(walletAddress)) {
    // The caller reads a gate's Solana conditions for Solana wallets only; say so loudly.
    throw new InvalidAddressError(chain.slug, walletAddress, 'wallet')
  }
  const caip2 = caip2OfChain(chain)
  for (const node of conditions) {
    // Another chain's condition would be answered with this chain's holdings: a caller's bug.
    // (Kinds Solana does not read are answered with an error below, wherever they are.)
    if (caip2 !== undefined && SOLANA_KINDS.has(node.type) && node.chain !== caip2) {
      throw new Error(
        `readSolanaGateConditions: condition ${node.key} is on ${node.chain}, not on ${chain.slug} (${caip2})`,
      )
    }
  }

  const answers = new Map<string, ConditionAnswer>()
  const mints = new Map<string, SplTokenNode[]>()
  const collections = new Map<string, MetaplexCollectionNode[]>()
  const natives: NativeNode[] = []
  const pickets: PicketHoldingNode[] = []
  for (const node of conditions) {
    switch (node.type) {
      case 'splToken':
        // The parser checked it; a node built some other way gets an answer, not a request.
        if (!isSolanaAddress(node.mint))
          answers.set(node.key, { error: `${node.mint} is not a mint address` })
        else group(mints, node.mint, node)
        break
      case 'metaplexCollection':
        if (!isSolanaAddress(node.collection)) {
          answers.set(node.key, { error: `${node.collection} is not a collection address` })
        } else group(collections, node.collection, node)
        break
      case 'native':
        natives.push(node)
        break
      case 'picket':
        pickets.push(node)
        break
      default:
        // An EVM kind given a Solana chain (the parser does not let a gate write one): the
        // condition's error, as the EVM reader answers Solana kinds.
        answers.set(node.key, { error: `a ${node.type} condition is not read on a Solana chain` })
    }
  }
  const readPicket = options.readPicket
  if (pickets.length > 0 && readPicket === undefined) {
    throw new Error('readSolanaGateConditions: picket conditions need options.readPicket')
  }

  const needsChain = mints.size > 0 || collections.size > 0 || natives.length > 0
  const rpcUrls = rpcEndpointsOf(chain)
  if (needsChain && rpcUrls.length === 0) throw new ChainRpcNotConfiguredError(chain.slug)
  const dasUrls = chain.dasUrl === undefined ? rpcUrls : [chain.dasUrl]

  // The first failure ends the whole read (the answer is already 424): batches still waiting
  // for the pool, and follow-up pages, are not started for a client that has its answer.
  const callerSignals = [deps.signal, options.signal].filter((s): s is AbortSignal => s !== undefined)
  const failed = new AbortController()
  const signal = AbortSignal.any([...callerSignals, failed.signal])
  const stopped = () => callerSignals.find((s) => s.aborted)
  const limits = deps.limits ?? { run: <T>(read: () => Promise<T>) => read(), perRequest: 4 }
  // The same budgets as readSolanaBalances: each POST through the reader's pool, at most
  // `perRequest` of this request's at once.
  const own = new ReadPool(limits.perRequest, Number.POSITIVE_INFINITY)
  const batch = async (urls: readonly string[], calls: readonly JsonRpcCall[]) => {
    try {
      if (signal.aborted) throw new ChainUnavailableError(chain.slug, 'the read was stopped')
      return await own.run(
        () => limits.run(() => callSolanaBatch(chain, urls, calls, { ...deps, signal })),
        signal,
      )
    } catch (error) {
      failed.abort(error)
      const caller = stopped()
      if (caller && !(error instanceof ChainUnavailableError)) {
        // Stopped while waiting for the pool: the pool rejects with the caller's reason.
        throw new ChainUnavailableError(chain.slug, 'request aborted before the chain answered', {
          cause: caller.reason,
        })
      }
      throw error
    }
  }

  // The first batch: page 1 of every collection, every mint, the native balance.
  const mintList = [...mints.keys()]
  const collectionList = [...collections.keys()]
  /** How many assets a collection must be counted up to: the largest `min` asking about it. */
  const needed = (collection: string) => Math.max(1, ...collections.get(collection)!.map((n) => n.min))
  /** One page size per collection for all its pages (pages of one size line up). */
  const pageSize = (collection: string) => Math.min(DAS_PAGE_LIMIT, needed(collection))
  const dasCall = (collection: string, page: number): JsonRpcCall => ({
    method: 'searchAssets',
    params: {
      ownerAddress: walletAddress,
      grouping: ['collection', collection],
      page,
      limit: pageSize(collection),
    },
  })
  const rpcCalls: JsonRpcCall[] = [
    ...mintList.map((mint) => ({
      method: 'getTokenAccountsByOwner',
      params: [walletAddress, { mint }, { encoding: 'jsonParsed' }],
    })),
    ...(natives.length > 0 ? [{ method: 'getBalance', params: [walletAddress] }] : []),
  ]
  const firstDas = collectionList.map((collection) => dasCall(collection, 1))
  const sameUrls = chain.dasUrl === undefined
  const rpcBatch = sameUrls ? [...rpcCalls, ...firstDas] : rpcCalls
  const dasBatch = sameUrls ? [] : firstDas

  const picketRead = Promise.all(
    pickets.map(async (node) => {
      try {
        return await readPicket!(node.requirements)
      } catch (error) {
        failed.abort(error)
        throw error
      }
    }),
  )
  const [rpcAnswers, dasAnswers, picketReadings] = await Promise.all([
    rpcBatch.length > 0 ? batch(rpcUrls, rpcBatch) : [],
    dasBatch.length > 0 ? batch(dasUrls, dasBatch) : [],
    picketRead,
  ])

  // Mints and the native balance.
  mintList.forEach((mint, i) => {
    const nodes = mints.get(mint)!
    const answer = rpcAnswers[i]!
    if ('error' in answer) {
      refused(answers, nodes, answer.error, `mint ${mint}`)
      return
    }
    const total = sumTokenAccounts(chain, answer.result)
    for (const node of nodes) answers.set(node.key, { met: amountWithin(total, node) })
  })
  if (natives.length > 0) {
    const answer = rpcAnswers[mintList.length]!
    if ('error' in answer) refused(answers, natives, answer.error, 'the wallet')
    else {
      const lamports = lamportsOf(chain, answer.result)
      for (const node of natives) answers.set(node.key, nativeAnswer(lamports, node))
    }
  }

  // Collections: page 1 is in hand; further pages only for a collection whose page was full and
  // whose count is still short of what a condition asks.
  const firstDasAnswers = sameUrls ? rpcAnswers.slice(rpcCalls.length) : dasAnswers
  const counts = new Map<string, number>()
  let open: string[] = []
  collectionList.forEach((collection, i) => {
    const answer = firstDasAnswers[i]!
    if ('error' in answer) {
      refused(answers, collections.get(collection)!, answer.error, `collection ${collection}`)
      return
    }
    const onPage = assetsOnPage(chain, answer.result)
    counts.set(collection, onPage)
    if (onPage >= pageSize(collection) && onPage < needed(collection)) open.push(collection)
  })
  for (let page = 2; page <= DAS_MAX_PAGES && open.length > 0; page++) {
    const more = await batch(
      dasUrls,
      open.map((collection) => dasCall(collection, page)),
    )
    const still: string[] = []
    open.forEach((collection, i) => {
      const answer = more[i]!
      if ('error' in answer) {
        counts.delete(collection)
        refused(answers, collections.get(collection)!, answer.error, `collection ${collection}`)
        return
      }
      const onPage = assetsOnPage(chain, answer.result)
      const count = counts.get(collection)! + onPage
      counts.set(collection, count)
      if (onPage >= pageSize(collection) && count < needed(collection)) still.push(collection)
    })
    open = still
  }
  const uncounted = new Set(open)
  for (const [collection, count] of counts) {
    for (const node of collections.get(collection)!) {
      if (count >= node.min) answers.set(node.key, { met: true })
      else if (uncounted.has(collection)) {
        answers.set(node.key, {
          error: `collection ${collection}: counted ${count} assets in ${DAS_MAX_PAGES} pages without reaching the end, short of ${node.min}`,
        })
      } else answers.set(node.key, { met: false })
    }
  }

  // Picket holdings: the same rule as every Picket decision.
  pickets.forEach((node, i) => {
    const reading = picketReadings[i]!
    answers.set(node.key, {
      met: claimsSatisfy({ chain: chain.slug, walletAddress, ...reading }, node.requirements),
    })
  })

  return { answers }
}

function group<T>(map: Map<string, T[]>, key: string, node: T): void {
  const list = map.get(key)
  if (list) list.push(node)
  else map.set(key, [node])
}

/**
 * A call of the batch the node refused with "invalid params": the node says the address the
 * condition names is not what the condition says (e.g. a mint that is no mint account). That is
 * the condition's answer, an error ("could not be decided"), never "not met": a `not` around it
 * would turn that into a pass. Other JSON-RPC errors never get here (`callSolanaBatch`).
 */
function refused(
  answers: Map<string, ConditionAnswer>,
  nodes: readonly { key: string }[],
  error: JsonRpcResponseError,
  what: string,
): void {
  for (const node of nodes) answers.set(node.key, { error: `the node refused ${what}: ${error.message}` })
}

/** `getTokenAccountsByOwner` (jsonParsed): the sum over the wallet's accounts of the mint. */
function sumTokenAccounts(chain: ChainDefinition, result: unknown): string {
  const accounts = isRecord(result) ? result.value : undefined
  if (!Array.isArray(accounts))
    throw malformed(chain, 'getTokenAccountsByOwner', 'result.value is not a list')
  let total = '0'
  for (const entry of accounts) total = addDecimals(total, uiAmountOf(chain, entry))
  return total
}

/** `getBalance`: `{ context, value: <lamports> }`. */
function lamportsOf(chain: ChainDefinition, result: unknown): number {
  const value = isRecord(result) ? result.value : undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw malformed(chain, 'getBalance', 'result.value is not a number of lamports')
  }
  return value
}

/**
 * SOL in whole coins (lamports / 10^9, a plain decimal) within the bounds. Lamports arrive as
 * a JSON number: exact up to 2^53 (about 9 million SOL). Above, the number may be off by up to
 * 1024 lamports (half the spacing of doubles below 2^64); the answer is given only when the
 * value and both ends of that margin agree, else it is the condition's error.
 */
function nativeAnswer(lamports: number, bounds: NativeNode): ConditionAnswer {
  const sol = (value: bigint) => formatDecimal({ coefficient: value, exponent: LAMPORTS_PER_SOL_EXPONENT })
  const exact = BigInt(lamports)
  const met = amountWithin(sol(exact), bounds)
  if (Number.isSafeInteger(lamports)) return { met }
  const margin = 1024n
  if (
    amountWithin(sol(exact - margin), bounds) === met &&
    amountWithin(sol(exact + margin), bounds) === met
  ) {
    return { met }
  }
  return {
    error: `the balance (${sol(exact)} SOL) is too close to the bounds for the precision of the answer`,
  }
}

/**
 * One batch over the endpoints in order, like `callSolana` (same breakers, same fallback). The
 * answer is the whole batch from ONE endpoint, so the answers of one gate come from one node:
 * - a call answered with "invalid params" stays in the answer: it is that condition's error
 *   (`refused`), and the endpoint counts as working (`answer` in `classifySolanaFailure`);
 * - a call answered with any other JSON-RPC error (node behind, rate limited, no DAS on this
 *   RPC) is about the node, not the condition: the batch fails on this endpoint and the next one
 *   is asked for all of it, without counting (`elsewhere`); when none answers, the whole read
 *   fails (424), so such an error never becomes an answer, let alone a pass;
 * - a batch refused as a whole is treated the same way;
 * - transport failures, and a malformed or incomplete batch answer, are classified as
 *   `classifySolanaFailure` classifies them: a timeout or an answer over the size cap is the
 *   request's (final, not counted); an HTTP 4xx is asked elsewhere; an unreachable endpoint, a
 *   5xx/429, or a body that is not a JSON-RPC batch answer counts against the endpoint.
 */
async function callSolanaBatch(
  chain: ChainDefinition,
  urls: readonly string[],
  calls: readonly JsonRpcCall[],
  options: SolanaReadOptions,
): Promise<JsonRpcBatchAnswer[]> {
  const once = async (url: string) => {
    const answers = await callJsonRpcBatch(url, calls, options)
    for (const answer of answers) {
      if ('error' in answer && answer.error.code !== JSON_RPC_INVALID_PARAMS) throw answer.error
    }
    return answers
  }
  try {
    return await (options.breakers
      ? callWithFallback(chain.slug, urls, options.breakers, once, classifySolanaFailure, options.signal)
      : once(urls[0]!))
  } catch (err) {
    if (err instanceof ChainEndpointsDownError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new ChainUnavailableError(chain.slug, message, { cause: err })
  }
}
