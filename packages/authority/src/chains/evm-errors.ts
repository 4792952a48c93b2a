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
