import { type Address, getAddress, type Hex } from 'viem'
import {
  DEFAULT_CHAIN_ID,
  DEFAULT_MNEMONIC,
  type DevChainAccount,
} from '../../packages/authority/src/devchain/accounts.js'
import {
  createDevClients,
  type DevPublicClient,
  type DevTestClient,
  type DevWalletClient,
} from './clients.js'
import { createGanacheChain } from './ganache.js'
import { type JsonRpcServer, serveJsonRpc } from './json-rpc-server.js'
import { createTokenActions, type TokenActions } from './token-actions.js'

// The mnemonic and chain ID are picket-authority's `devchain` ones: one copy.
export { DEFAULT_CHAIN_ID, DEFAULT_MNEMONIC }

export interface StartDevChainOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Must be an IPv4 loopback address; defaults to 127.0.0.1. */
  host?: string
  chainId?: number
  mnemonic?: string
  /** How many funded accounts to derive (1000 ETH each). Defaults to 10. */
  accounts?: number
}

export type { DevChainAccount }

export interface DevChain extends TokenActions {
  /** `http://127.0.0.1:PORT` (HTTP JSON-RPC, single and batch; no WebSocket). */
  rpcUrl: string
  chainId: number
  /** Funded accounts derived from the mnemonic (m/44'/60'/0'/0/i), checksummed. */
  accounts: DevChainAccount[]
  publicClient: DevPublicClient
  /** ganache's test RPC (snapshot/revert, mine, increaseTime, setBalance...) through viem. */
  testClient: DevTestClient
  /** A viem wallet client for that key on this chain; the same instance for the same key. */
  walletClient(privateKey: Hex): DevWalletClient
  /** Sets the ETH balance of any address, in wei. */
  setBalance(address: Address, wei: bigint): Promise<void>
  /** Stops the server and frees the port. Safe to call more than once. */
  close(): Promise<void>
}

/**
 * Starts a real EVM (ganache, Shanghai rules) in this process, serving JSON-RPC on loopback only:
 * the accounts are funded from a public mnemonic, so the chain must never be reachable from outside.
 */
export async function startDevChain(options: StartDevChainOptions = {}): Promise<DevChain> {
  const host = options.host ?? '127.0.0.1'
  if (!/^127(\.\d{1,3}){3}$/.test(host)) throw new Error(`dev chain host must be IPv4 loopback, got ${host}`)
  const totalAccounts = options.accounts ?? 10
  if (!Number.isInteger(totalAccounts) || totalAccounts < 1)
    throw new Error('dev chain needs at least one account')
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID

  const ganache = await createGanacheChain({
    chainId,
    mnemonic: options.mnemonic ?? DEFAULT_MNEMONIC,
    totalAccounts,
  })
  let server: JsonRpcServer
  try {
    server = await serveJsonRpc(ganache.request, { host, port: options.port ?? 0 })
  } catch (error) {
    await ganache.disconnect()
    throw error
  }
  const rpcUrl = `http://${host}:${server.port}`
  const accounts = ganache.accounts.map((a) => ({ address: getAddress(a.address), privateKey: a.secretKey }))
  const clients = createDevClients(rpcUrl, chainId)

  let closed: Promise<void> | undefined
  return {
    rpcUrl,
    chainId,
    accounts,
    publicClient: clients.publicClient,
    testClient: clients.testClient,
    walletClient: clients.walletClient,
    // The first account deploys and mints unless told otherwise; it exists, checked above.
    ...createTokenActions(clients, accounts[0]!.privateKey),
    setBalance: (address, wei) => clients.testClient.setBalance({ address, value: wei }),
    close: () => {
      closed ??= server.close().then(() => ganache.disconnect())
      return closed
    },
  }
}
