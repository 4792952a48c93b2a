import {
  type Chain,
  createNonceManager,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  type HttpTransport,
  http,
  type PublicClient,
  type WalletClient,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { jsonRpc } from 'viem/nonce'

export type DevPublicClient = PublicClient<HttpTransport, Chain>
export type DevWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>

export interface DevClients {
  chain: Chain
  publicClient: DevPublicClient
  /** One wallet client per key, reused, signing locally and sending raw transactions. */
  walletClient(privateKey: Hex): DevWalletClient
}

// Blocks are mined the moment a transaction arrives, so there is nothing to wait for between polls.
export const POLLING_INTERVAL_MS = 50

/** viem's description of a dev chain at `rpcUrl`. */
export function devChainDefinition(rpcUrl: string, chainId: number): Chain {
  return defineChain({
    id: chainId,
    name: `Dev chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}

export function createDevClients(rpcUrl: string, chainId: number): DevClients {
  const chain = devChainDefinition(rpcUrl, chainId)
  const transport = http(rpcUrl)
  const publicClient = createPublicClient({ chain, transport, pollingInterval: POLLING_INTERVAL_MS })

  // One nonce manager per chain, not viem's process-wide one: that one is keyed by address and
  // chain id, and two dev chains with the same mnemonic and chain id would corrupt each other's
  // nonces. With it, concurrent writes from one key (Promise.all of mints) get distinct nonces.
  const nonceManager = createNonceManager({ source: jsonRpc() })
  const walletClients = new Map<Hex, DevWalletClient>()
  const walletClient = (privateKey: Hex): DevWalletClient => {
    let client = walletClients.get(privateKey)
    if (!client) {
      const account = privateKeyToAccount(privateKey, { nonceManager })
      client = createWalletClient({ account, chain, transport, pollingInterval: POLLING_INTERVAL_MS })
      walletClients.set(privateKey, client)
    }
    return client
  }

  return { chain, publicClient, walletClient }
}
