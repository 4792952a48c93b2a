/**
 * A chain's answers to the conditions of a gate it was asked about, by condition key
 * (`ConditionNode.key`): met or not, or why it could not be decided (a call reverted, a
 * contract is not the standard the gate names). A failure of the chain itself is not an answer:
 * the reader throws (`ChainUnavailableError`, 424, or the 503 of open circuits).
 */
export type ConditionAnswer = { readonly met: boolean } | { readonly error: string }

export interface ChainGateReading {
  readonly answers: ReadonlyMap<string, ConditionAnswer>
  /** The EVM block every answer was read at; absent on Solana. */
  readonly blockNumber?: number
}

export interface GateReadOptions {
  /** The request's signal: a client that hangs up stops the reads made for it. */
  signal?: AbortSignal
}
