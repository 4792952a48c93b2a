/**
 * `PicketClient` on its own (`picket-core/client`), the way picket-node users call the API:
 * an app with its own accounts lets a signed-in user link a wallet, and later asks whether that
 * wallet holds a token. No plugin and no access-token handling: the app only needs to know that
 * the wallet signed, which `picket.auth()` answers with the project's secret key.
 *
 * Sessions are faked with an `x-demo-account` header to keep the example about Picket.
 *
 *   PICKET_SECRET_KEY=sk_… PICKET_BASE_URL=… npx tsx examples/client-only/main.ts
 *
 * Without them, a local authority and a local chain (with a demo NFT) are started beside it.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import type { SigningMessageContext } from 'picket-core'
import { PicketAPIError, PicketClient, PicketError } from 'picket-core/client'
import { type DevChain, startDevChain } from '../../tools/devchain/index.js'

export const LOCAL_PROJECT = {
  id: '9c0d2e4f-1a3b-4c5d-8e7f-6a5b4c3d2e1f',
  name: 'Link a wallet example',
  publishableKey: 'pk_example_client_only',
  secretKey: 'sk_example_client_only',
  // The site whose pages sign in (this example's own port).
  allowedDomains: ['localhost:3002', '127.0.0.1:3002'],
}

interface Account {
  id: string
  email: string
  wallet: { chain: string; address: string } | null
}

export interface StartOptions {
  /** Default 3002; 0 picks a free port. */
  port?: number
  apiKey?: string
  baseURL?: string
  /** The chain wallets are linked on (default `localhost` locally, `ethereum` otherwise). */
  chain?: string
}

export interface RunningClientExample {
  url: string
  apiUrl: string
  chain: string
  /** The local chain and its demo NFT, when started locally. */
  local: { chain: DevChain; nft: `0x${string}`; authority: RunningAuthority } | undefined
  close(): Promise<void>
}

/** An API failure, told to the browser without leaking internals. */
function replyForPicketError(error: unknown): { status: number; body: { message: string } } {
  if (error instanceof PicketAPIError && [400, 401, 403].includes(error.status)) {
    // The API's own words about the user's signature or wallet.
    return { status: error.status, body: { message: error.msg } }
  }
  if (error instanceof PicketError) {
    return { status: 503, body: { message: 'Wallet verification is unavailable, try again shortly' } }
  }
  throw error
}

async function startLocalPicket(): Promise<NonNullable<RunningClientExample['local']>> {
  const chain = await startDevChain()
  const nft = await chain.deployERC721({ name: 'Member Badge', symbol: 'BADGE' })
  const authority = await startAuthority({
    port: 0,
    signingKey: await generateSigningJwk(),
    projects: [LOCAL_PROJECT],
    chains: { localhost: { rpcUrl: chain.rpcUrl, chainId: chain.chainId } },
  })
  return { chain, nft, authority }
}

export async function start(options: StartOptions = {}): Promise<RunningClientExample> {
  const local = options.apiKey && options.baseURL ? undefined : await startLocalPicket()
  const apiUrl = local ? local.authority.url : options.baseURL!
  const chain = options.chain ?? (local ? 'localhost' : 'ethereum')
  const picket = new PicketClient(local ? LOCAL_PROJECT.secretKey : options.apiKey!, { baseURL: apiUrl })

  const accounts = new Map<string, Account>([
    ['alice', { id: 'alice', email: 'alice@example.com', wallet: null }],
    ['bob', { id: 'bob', email: 'bob@example.com', wallet: null }],
  ])
  const app: FastifyInstance = Fastify()
  const accountOf = (request: FastifyRequest) => accounts.get(String(request.headers['x-demo-account']))

  app.addHook('preHandler', async (request, reply) => {
    if (!accountOf(request)) return reply.code(401).send({ message: 'Sign in to your account first' })
  })

  app.get('/account', async (request) => accountOf(request))

  // 1. The front end asks for the nonce its wallet will sign.
  app.post<{ Body: { walletAddress: string } }>('/account/wallet/nonce', async (request, reply) => {
    try {
      return await picket.nonce({ chain, walletAddress: request.body.walletAddress })
    } catch (error) {
      const { status, body } = replyForPicketError(error)
      return reply.code(status).send(body)
    }
  })

  // 2. It sends the signature back; the API checks it, and the wallet is linked to the account.
  app.post<{ Body: { walletAddress: string; signature: string; context?: SigningMessageContext } }>(
    '/account/wallet',
    async (request, reply) => {
      const account = accountOf(request)!
      const { walletAddress, signature, context } = request.body
      try {
        const { user } = await picket.auth({
          chain,
          walletAddress,
          signature,
          ...(context ? { context } : {}),
        })
        account.wallet = { chain: user.chain, address: user.walletAddress }
        return account
      } catch (error) {
        const { status, body } = replyForPicketError(error)
        return reply.code(status).send(body)
      }
    },
  )

  // 3. Later: does the linked wallet hold a token? No session token needed, just the address.
  app.get<{ Querystring: { contractAddress: string } }>('/account/wallet/holds', async (request, reply) => {
    const account = accountOf(request)!
    if (!account.wallet) return reply.code(409).send({ message: 'Link a wallet first' })
    try {
      const { allowed, tokenBalance } = await picket.tokenOwnership({
        chain: account.wallet.chain,
        walletAddress: account.wallet.address,
        contractAddress: request.query.contractAddress,
      })
      return { holds: allowed, balance: tokenBalance }
    } catch (error) {
      const { status, body } = replyForPicketError(error)
      return reply.code(status).send(body)
    }
  })

  try {
    await app.listen({ port: options.port ?? 3002, host: '127.0.0.1' })
  } catch (error) {
    await app.close()
    await local?.authority.close()
    await local?.chain.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl,
    chain,
    local,
    async close() {
      await app.close()
      await local?.authority.close()
      await local?.chain.close()
    },
  }
}
