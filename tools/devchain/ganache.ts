import ganache from 'ganache'
import type { Hex } from 'viem'
import { HARDFORK } from './evm.js'
import type { JsonRpcRequester } from './json-rpc-server.js'

export interface GanacheOptions {
  chainId: number
  mnemonic: string
  totalAccounts: number
}

/** The little of ganache the dev chain uses, so its sprawling types stay out of our API. */
export interface GanacheChain {
  /** Funded accounts in derivation order (m/44'/60'/0'/0/i), lowercase addresses. */
  accounts: { address: string; secretKey: Hex }[]
  request: JsonRpcRequester
  disconnect(): Promise<void>
}

/**
 * Creates ganache's in-process EVM as an EIP-1193 provider (no server of its own: see
 * json-rpc-server.ts for why). ganache ships one webpack-bundled CommonJS file; imported from ESM
 * its default export is `module.exports`, which carries `provider`.
 */
export async function createGanacheChain(options: GanacheOptions): Promise<GanacheChain> {
  const provider = ganache.provider({
    logging: { quiet: true },
    chain: { chainId: options.chainId, hardfork: HARDFORK },
    wallet: { mnemonic: options.mnemonic, totalAccounts: options.totalAccounts },
    // 'eager' mines each transaction before eth_sendRawTransaction returns, so the receipt
    // already exists when the caller asks for it.
    miner: { instamine: 'eager' },
  })
  // Not `once('connect')`: that fires before ganache resumes its request queue, and disconnecting
  // in that gap throws an uncaught error. A request answers only once the queue runs.
  await provider.request({ method: 'eth_chainId', params: [] })
  const accounts = Object.entries(provider.getInitialAccounts()).map(([address, account]) => ({
    address,
    secretKey: account.secretKey as Hex,
  }))
  return {
    accounts,
    // ganache types `request` per method; the JSON-RPC server forwards arbitrary method names.
    request: (args) => provider.request(args as Parameters<typeof provider.request>[0]),
    disconnect: () => provider.disconnect(),
  }
}
