/** Shared fixtures for client suites: a recording server per test and valid 2xx bodies. */

import { PicketClient, type PicketClientOptions } from 'picket-core/client'
import type { Test } from 'tap'
import type {
  AccessTokenPayload,
  AuthResponse,
  ChainInfo,
  NonceResponse,
} from '../../packages/core/src/core/types.js'
import { type RecordingServer, type ScriptedReply, startRecordingServer } from './recording-server.js'

export const API_KEY = 'sk_test_123'
/** picket-node's header for API_KEY: one space, base64 of the key without a colon (§1.3). */
export const AUTHORIZATION = 'Basic c2tfdGVzdF8xMjM='
export const WALLET = '0xA548ac9c6f41B19175023B5f09c6E70f99cFeec8'

export const ETHEREUM: ChainInfo = {
  chainSlug: 'ethereum',
  chainId: 1,
  chainType: 'ethereum',
  chainName: 'Ethereum',
  publicRPC: 'https://cloudflare-eth.com',
  authorizationSupported: true,
}

export const NONCE_BODY: NonceResponse = {
  nonce: 'abcdefghijklmnop',
  statement: 'Sign in to My App',
  format: 'siwe',
}

export const AUTH_BODY: AuthResponse = {
  accessToken: 'header.payload.signature',
  user: { chain: 'ethereum', walletAddress: WALLET, displayAddress: WALLET, tokenBalances: {} },
}

export const CLAIMS_BODY: AccessTokenPayload = {
  ...AUTH_BODY.user,
  iat: 1_700_000_000,
  exp: 1_700_043_200,
  iss: 'http://127.0.0.1:8787/api/v1',
  sub: `ethereum:${WALLET}`,
  aud: '53e74bdf-6e6e-4f31-b0d1-ceda189a6a25',
  tid: '0b3c5d2e-1111-4c4c-8888-2a2a2a2a2a2a',
  ver: 1,
}

export const OWNERSHIP_BODY = {
  allowed: true,
  walletAddress: WALLET,
  tokenBalance: '3',
  tokenBalances: { contractAddress: { '0xbc4c': '3' } },
}

export const CHAINS_BODY = { data: [ETHEREUM] }

/** Fast retries so retry tests stay quick; individual tests override what they exercise. */
export const FAST_RETRY = { retries: 2, minDelay: 1, maxDelay: 5 }

export interface ClientFixture {
  server: RecordingServer
  /** A client aimed at the server's `/api/v1`. */
  client: PicketClient
  /** A client with extra options aimed at the same server. */
  clientWith(options: PicketClientOptions): PicketClient
}

/** Starts a recording server for the test `t` (closed on teardown) and a client for it. */
export async function clientFixture(t: Test, ...replies: ScriptedReply[]): Promise<ClientFixture> {
  const server = await startRecordingServer(...replies)
  t.teardown(() => server.close())
  const clientWith = (options: PicketClientOptions) =>
    new PicketClient(API_KEY, { baseURL: server.url('/api/v1'), retry: FAST_RETRY, ...options })
  return { server, client: clientWith({}), clientWith }
}
