import {
  type Chain,
  createNonceManager,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  type HttpTransport,
  http,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { jsonRpc } from 'viem/nonce'

export type DevPublicClient = PublicClient<HttpTransport, Chain>
export type DevWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>
export type DevTestClient = TestClient<'ganache', HttpTransport, Chain>

export interface DevClients {
  chain: Chain
  publicClient: DevPublicClient
  testClient: DevTestClient
  /** One wallet client per key, reused, signing locally and sending raw transactions. */
  walletClient(privateKey: Hex): DevWalletClient
}

// Blocks are mined the moment a transaction arrives, so there is nothing to wait for between polls.
const POLLING_INTERVAL_MS = 50

export function createDevClients(rpcUrl: string, chainId: number): DevClients {
  const chain = defineChain({
    id: chainId,
    name: `Dev chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const transport = http(rpcUrl)
  const publicClient = createPublicClient({ chain, transport, pollingInterval: POLLING_INTERVAL_MS })
  const testClient = createTestClient({
    chain,
    transport,
    mode: 'ganache',
    pollingInterval: POLLING_INTERVAL_MS,
  })

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

  return { chain, publicClient, testClient, walletClient }
}
