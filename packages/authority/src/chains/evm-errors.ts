import {
  BaseError,
  ContractFunctionExecutionError,
  HttpRequestError,
  ResponseBodyTooLargeError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from 'viem'
import { ChainError, ChainUnavailableError } from './errors.js'
import type { ChainDefinition } from './registry.js'
import type { FailureKind } from './rpc-fallback.js'

/** Failures of the transport itself: the node gave no answer we can read. */
const TRANSPORT_ERRORS = [
  HttpRequestError,
  TimeoutError,
  WebSocketRequestError,
  SocketClosedError,
  ResponseBodyTooLargeError,
] as const

/**
 * How nodes word a failed `eth_call`: geth/erigon/reth "execution reverted" (code 3),
 * ganache "VM Exception while processing transaction: revert" (code -32000), hardhat
 * "reverted with reason string" (code -32603), plus invalid-opcode/out-of-gas aborts.
 */
const CONTRACT_FAILURE_TEXT = /revert|invalid opcode|out of gas|stack underflow|bad instruction/i

/** JSON-RPC code geth uses for "execution reverted" (EIP-1474 style). */
const EXECUTION_REVERTED = 3

/**
 * True when an `eth_call` failed because of the *contract* (it reverted, returned nothing or
 * returned bytes that don't decode as the ABI says) — i.e. the node answered. False for anything
 * that may be the node's or the network's fault, which must surface as "chain unavailable",
 * never as "not a token" (a 400) or "no balance" (a wrong 403).
 *
 * Decided on positive evidence only. viem itself classifies JSON-RPC -32603 ("internal error")
 * as a revert; we don't, unless the message says so, because providers use -32603 for their own
 * outages.
 */
export function isContractLevelFailure(err: unknown): boolean {
  if (!(err instanceof BaseError)) return false
  // The transport refused to ask (every endpoint paused): no node answered anything.
  if (err.walk((e) => e instanceof ChainError)) return false
  if (err.walk((e) => TRANSPORT_ERRORS.some((T) => e instanceof T))) return false
  const rpc = err.walk((e) => e instanceof RpcRequestError)
  if (rpc instanceof RpcRequestError) {
    return rpc.code === EXECUTION_REVERTED || CONTRACT_FAILURE_TEXT.test(`${rpc.details} ${rpc.shortMessage}`)
  }
  // No RPC error and no transport error: the call returned, and decoding its bytes failed
  // (empty return data from a contract without the function, or data of the wrong shape).
  return err instanceof ContractFunctionExecutionError
}

/** A short human reason for a transport failure, for ChainUnavailableError messages. */
export function describeRpcFailure(err: unknown): string {
  if (err instanceof BaseError) {
    const timeout = err.walk((e) => e instanceof TimeoutError)
    if (timeout) return 'request timed out'
    const http = err.walk((e) => e instanceof HttpRequestError)
    if (http instanceof HttpRequestError) {
      return http.status ? `HTTP ${http.status}` : (http.details ?? http.shortMessage)
    }
    const rpc = err.walk((e) => e instanceof RpcRequestError)
    if (rpc instanceof RpcRequestError)
      return `JSON-RPC error ${rpc.code}: ${rpc.details ?? rpc.shortMessage}`
    return err.shortMessage
  }
  return err instanceof Error ? err.message : String(err)
}

/** JSON-RPC methods whose cost and outcome the request chooses (the contract code it runs). */
const EXECUTION_METHODS = new Set(['eth_call', 'eth_estimateGas'])

/**
 * What a failed JSON-RPC request says about the endpoint (see rpc-fallback.ts). A contract-level
 * failure is an answer. On requests that run contract code, the request chooses the cost: a
 * timeout or an answer over the size cap is the request's (final); a JSON-RPC error may be
 * either's (asked elsewhere, not counted); only an unreachable endpoint or a 5xx/429 is the
 * endpoint's. On every other request (the head, code, chain id: cheap whatever is asked) any
 * failure is the endpoint's.
 */
export function classifyEvmFailure(method: string, err: unknown): FailureKind {
  if (isContractLevelFailure(err)) return 'answer'
  if (!EXECUTION_METHODS.has(method)) return 'endpoint'
  if (!(err instanceof BaseError)) return 'elsewhere'
  if (err.walk((e) => e instanceof TimeoutError || e instanceof ResponseBodyTooLargeError)) return 'request'
  const http = err.walk((e) => e instanceof HttpRequestError)
  if (http instanceof HttpRequestError) return isEndpointStatus(http.status) ? 'endpoint' : 'elsewhere'
  return 'elsewhere'
}

/** No HTTP answer at all (refused, reset), a server error or a rate limit: the endpoint's state. */
export function isEndpointStatus(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429
}

/**
 * The chain error a failed read is reported as: one raised by the transport as itself, found
 * anywhere in viem's wrapping (every endpoint paused: 503 + Retry-After; an endpoint on another
 * chain), anything else as unavailable (424).
 */
export function chainReadFailure(chain: ChainDefinition, err: unknown): ChainError {
  if (err instanceof ChainError) return err
  if (err instanceof BaseError) {
    // Raised inside the transport (every endpoint paused, an endpoint on another chain).
    const own = err.walk((e) => e instanceof ChainError)
    if (own instanceof ChainError) return own
  }
  return new ChainUnavailableError(chain.slug, describeRpcFailure(err), { cause: err })
}
