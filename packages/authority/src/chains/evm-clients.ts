import { type Chain, createPublicClient, custom, defineChain, http, type PublicClient } from 'viem'
import { mainnet } from 'viem/chains'
import type { EndpointBreakers } from './endpoint-breakers.js'
import { WrongChainEndpointError } from './errors.js'
import { classifyEvmFailure } from './evm-errors.js'
import { type ChainDefinition, chainReadIdentity, rpcEndpointsOf } from './registry.js'
import { callWithFallback } from './rpc-fallback.js'

export interface EvmClientOptions {
  /** Milliseconds per JSON-RPC request. */
  timeout: number
  fetch?: typeof fetch | undefined
  /** Circuit breakers of every endpoint, shared with the other readers. */
  breakers: EndpointBreakers
}

export interface EvmClients {
  /** A public client for an EVM chain with an `rpcUrl`; the same instance for the same chain settings. */
  clientFor(chain: ChainDefinition): PublicClient | undefined
  /**
   * The same chain, endpoints, breakers and chain-id proofs, but requests made in the same tick
   * go to an endpoint as one JSON-RPC batch (one HTTP POST): a gate's multicall `eth_call` and
   * its `eth_getBalance` travel together (`evm-gate-reads.ts`).
   */
  batchingClientFor(chain: ChainDefinition): PublicClient | undefined
  clear(): void
}

/**
 * One viem public client per (chain, RPC URLs). Its transport sends each request to the chain's
 * endpoints in order through their circuit breakers (`callWithFallback`): a hanging or failing
 * endpoint costs one timeout until it is open, then nothing. Settings are chosen for a gate:
 * - `retryCount: 0`: a retry of the same endpoint doubles the worst-case latency of a request
 *   that is already waiting on us; the next endpoint is the retry.
 * - no automatic multicall: the readers batch explicitly, with a deployless multicall
 *   (`evm-balances.ts`) that any node — ganache included, which has no multicall3 contract —
 *   answers in one `eth_call`;
 * - no JSON-RPC batching on `clientFor`'s client; `batchingClientFor`'s sends what is asked in
 *   one tick as one JSON-RPC batch, each request still through the fallback, the breakers and
 *   its own failure classification.
 */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024

export function createEvmClients(options: EvmClientOptions): EvmClients {
  const clients = new Map<string, { single: PublicClient; batching: PublicClient }>()
  const clientsOf = (chain: ChainDefinition) => {
    const urls = rpcEndpointsOf(chain)
    if (chain.chainType !== 'ethereum' || urls.length === 0) return undefined
    const key = chainReadIdentity(chain)
    let pair = clients.get(key)
    if (!pair) {
      const viem = viemChain(chain, urls[0]!)
      const endpointsWith = (batch: false | { wait: number }) =>
        new Map(
          urls.map((url) => [
            url,
            http(url, {
              timeout: options.timeout,
              retryCount: 0,
              batch,
              // A balance or signature answer is tiny; a huge one (a contract returning megabytes)
              // must not be buffered. Over the cap it is the request's failure, not the endpoint's.
              maxResponseBodySize: MAX_RESPONSE_BYTES,
              ...(options.fetch && { fetchFn: options.fetch }),
            })({ chain: viem, retryCount: 0 }).request as EndpointRequest,
          ]),
        )
      const endpoints = endpointsWith(false)
      // Both clients share the endpoints' chain-id proofs (made unbatched, once per endpoint).
      const onChain = endpointChainCheck(chain, endpoints)
      const chainCheckFailures = new WeakSet<object>()
      const requestVia = (via: ReadonlyMap<string, EndpointRequest>) => {
        // The requests of one batch fail together, with one error: the endpoint's failure is
        // counted once (by the first request it meets); the others still move to the next endpoint.
        const counted = new WeakSet<object>()
        return (args: { method: string; params?: unknown }) =>
          callWithFallback(
            chain.slug,
            urls,
            options.breakers,
            async (url) => {
              await onChain.verify(url).catch((error: unknown) => {
                // The check is a cheap eth_chainId whatever the request: its failure is the endpoint's.
                if (error instanceof Object) chainCheckFailures.add(error)
                throw error
              })
              try {
                return await via.get(url)!(args)
              } catch (error) {
                // An endpoint that failed may come back as something else: ask again next time.
                if (classifyEvmFailure(args.method, error) === 'endpoint') onChain.forget(url)
                throw error
              }
            },
            (error) => {
              if (
                error instanceof WrongChainEndpointError ||
                (error instanceof Object && chainCheckFailures.has(error))
              )
                return 'endpoint'
              const kind = classifyEvmFailure(args.method, error)
              if (kind !== 'endpoint' || !(error instanceof Object) || via === endpoints) return kind
              if (counted.has(error)) return 'elsewhere'
              counted.add(error)
              return kind
            },
          )
      }
      const clientOver = (request: (args: { method: string; params?: unknown }) => Promise<unknown>) =>
        createPublicClient({
          chain: viem,
          transport: custom({ request }, { retryCount: 0 }),
          batch: { multicall: false },
          // Nothing here polls; keep the default cache of eth_chainId/blockNumber out of the way.
          cacheTime: 0,
          // EIP-3668 CCIP-Read off: a contract named in a request (a "token", a contract wallet)
          // could revert with an OffchainLookup naming any URL, and the client would fetch it from
          // inside this server's network. No balance, interface or signature read needs it.
          ccipRead: false,
        }) as PublicClient
      pair = {
        single: clientOver(requestVia(endpoints)),
        // `wait: 0`: what is asked in one tick goes in one POST; nothing waits for company.
        batching: clientOver(requestVia(endpointsWith({ wait: 0 }))),
      }
      clients.set(key, pair)
    }
    return pair
  }
  return {
    clientFor: (chain) => clientsOf(chain)?.single,
    batchingClientFor: (chain) => clientsOf(chain)?.batching,
    clear() {
      clients.clear()
    },
  }
}

type EndpointRequest = (args: { method: string; params?: unknown }) => Promise<unknown>

/**
 * Each endpoint proves it serves the configured chain (`eth_chainId`) before it answers any
 * read, and again after it failed: a fallback URL pointing at another network (a testnet, a
 * fork, a mistyped provider path) would otherwise decide gates with that network's balances
 * whenever the endpoints before it are down. One check in flight per endpoint.
 */
function endpointChainCheck(chain: ChainDefinition, endpoints: ReadonlyMap<string, EndpointRequest>) {
  const verified = new Map<string, Promise<void>>()
  const forget = (url: string) => verified.delete(url)
  return {
    forget,
    verify(url: string): Promise<void> {
      let check = verified.get(url)
      if (!check) {
        check = endpoints.get(url)!({ method: 'eth_chainId' }).then((answer) => {
          const id = typeof answer === 'string' && /^0x[0-9a-f]+$/i.test(answer) ? Number(answer) : Number.NaN
          if (id !== chain.chainId)
            throw new WrongChainEndpointError(chain.slug, chain.chainId, String(answer))
        })
        check.catch(() => forget(url))
        verified.set(url, check)
      }
      return check
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
