import { type Chain, createTestClient, type HttpTransport, http, type TestClient } from 'viem'
import {
  type DevClients as BaseDevClients,
  createDevClients as createBaseClients,
  type DevPublicClient,
  type DevWalletClient,
  POLLING_INTERVAL_MS,
} from '../../packages/authority/src/devchain/clients.js'

export type { DevPublicClient, DevWalletClient }
export type DevTestClient = TestClient<'ganache', HttpTransport, Chain>

export interface DevClients extends BaseDevClients {
  testClient: DevTestClient
}

/** picket-authority's dev-chain clients (public, wallet per key), plus ganache's test RPC. */
export function createDevClients(rpcUrl: string, chainId: number): DevClients {
  const base = createBaseClients(rpcUrl, chainId)
  const testClient = createTestClient({
    chain: base.chain,
    transport: http(rpcUrl),
    mode: 'ganache',
    pollingInterval: POLLING_INTERVAL_MS,
  })
  return { ...base, testClient }
}
