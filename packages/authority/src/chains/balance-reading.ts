import type { TokenBalances, TokenIdBalances } from 'picket-core'

/** What a balance read found: Picket's `tokenBalances`, and per-id balances when ids were asked. */
export interface BalanceReading {
  tokenBalances: TokenBalances
  /** Per-id balances of EVM contracts read with `tokenIds` (this package's own claim). */
  tokenIdBalances?: TokenIdBalances
  /** The EVM block every balance of this reading was read at (absent for Solana reads). */
  blockNumber?: number
}
