import {
  type BalanceReaderOptions,
  createBalanceReader,
} from '../../../../packages/authority/src/chains/index.js'

/**
 * A balance reader whose `readBalances` answers Picket's `tokenBalances` only, for tests about
 * those (per-id balances have their own tests in evm-balances.test.ts).
 */
export function createTokenBalanceReader(options?: BalanceReaderOptions) {
  const reader = createBalanceReader(options)
  return {
    ...reader,
    readBalances: async (...args: Parameters<typeof reader.readBalances>) =>
      (await reader.readBalances(...args)).tokenBalances,
  }
}
