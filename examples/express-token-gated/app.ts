/**
 * The token-gated API example on Express 5 (express-picket), the twin of the Fastify example in
 * ../token-gated-api. Three processes' worth of parts, all in this one:
 *   - an in-process EVM holding the demo tokens (../token-gated-api/demo-chain.ts),
 *   - the bundled Picket-compatible authority as its own server on its own port (a Fastify app:
 *     `startAuthority`), so no hosted service is needed,
 *   - the Express app: `picket()` verifying tokens locally against the authority's JWKS, the
 *     helper routes at `/auth`, and one route per kind of gate.
 *
 * `start()` is used by main.ts and by test/examples/express-token-gated.test.ts.
 */
import { createServer, type Server } from 'node:http'
import express, { type Express } from 'express'
import {
  assertGatedRoutes,
  type GateConfig,
  type PicketMiddleware,
  picket,
  picketErrorHandler,
  picketRouter,
  type RevocableToken,
  type RevocationList,
  requireWallet,
} from 'express-picket'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import type { Address } from 'viem'
import { type DemoChain, startDemoChain } from '../token-gated-api/demo-chain.js'
import { resolveListenPort } from '../token-gated-api/listen-port.js'
import { CHAIN, PROJECT } from '../token-gated-api/project.js'

export { CHAIN, PROJECT }

export interface StartOptions {
  /** Default 3001; 0 picks a free port. */
  port?: number
}

export interface ExampleRoute {
  path: string
  /** Who may call it, in words. */
  who: string
  /** What `requireWallet()` is given; `undefined` for an ungated route. */
  gate: GateConfig | undefined
}

export interface RunningExample {
  /** `http://127.0.0.1:PORT`: the helper routes (`/auth/…`) and the API (`/api/…`). */
  url: string
  /** The bundled authority's base URL (`…/api/v1`), on a port of its own. */
  authorityUrl: string
  jwksUrl: string
  /** The on-chain world: the chain, the PASS and COIN contracts, the demo wallets. */
  demo: DemoChain
  chainSlug: string
  chainId: number
  routes: ExampleRoute[]
  app: Express
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/** The routes, one per kind of gate. `requireWallet()` takes what Fastify's `config.picket` takes. */
export function exampleRoutes({ pass, coin }: { pass: Address; coin: Address }): ExampleRoute[] {
  return [
    { path: '/api/public', who: 'everyone (no gate)', gate: undefined },
    { path: '/api/me', who: 'any signed-in wallet: requireWallet()', gate: true },
    {
      path: '/api/pass-holders',
      who: 'tokens that prove a PASS (get one from POST /auth/authz)',
      gate: { requirements: { contractAddress: pass } },
    },
    {
      path: '/api/coin-holders',
      who: 'wallets with at least 50 COIN (incremental: upgrades the token once)',
      gate: { requirements: { contractAddress: coin, minTokenBalance: '50' }, incremental: true },
    },
    {
      path: '/api/pass-holders/live',
      who: 'holders of the PASS right now (revalidate: reads the chain)',
      gate: { requirements: { contractAddress: pass }, revalidate: true },
    },
  ]
}

/**
 * Logout revokes the session here, in memory: fine for one process. An API run as several
 * instances shares one list instead: `createRedisRevocationList()`.
 */
function memoryRevocationList(): Pick<RevocationList, 'isRevoked' | 'revoke'> {
  const revoked = new Map<string, number>()
  return {
    async revoke(token: RevocableToken | string, exp?: number) {
      const id = typeof token === 'string' ? token : (token.sid ?? token.tid)
      const until = typeof token === 'string' ? exp : token.exp
      if (until === undefined || until * 1000 <= Date.now()) return false
      revoked.set(id, until)
      return true
    },
    async isRevoked(claims) {
      const now = Date.now() / 1000
      for (const [id, until] of revoked) if (until < now) revoked.delete(id)
      return revoked.has(claims.tid) || (claims.sid !== undefined && revoked.has(claims.sid))
    },
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

export async function start(options: StartOptions = {}): Promise<RunningExample> {
  // The port is part of the SIWE domains the app accepts, so it is known before anything starts.
  const port = await resolveListenPort(options.port ?? 3001, HOST)
  const url = `http://${HOST}:${port}`
  const domains = [`localhost:${port}`, `127.0.0.1:${port}`]

  const demo = await startDemoChain()
  let authority: RunningAuthority | undefined
  let gate: PicketMiddleware | undefined
  const server = createServer()
  const stop = async () => {
    server.closeAllConnections()
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
    gate?.close()
    await authority?.close()
    await demo.chain.close()
  }

  try {
    authority = await startAuthority({
      port: 0,
      host: HOST,
      signingKey: await generateSigningJwk(),
      projects: [
        {
          ...PROJECT,
          statement: 'Sign in to the express-picket example',
          format: 'siwe',
          allowedDomains: domains,
        },
      ],
      chains: { [CHAIN]: { rpcUrl: demo.chain.rpcUrl, chainId: demo.chain.chainId } },
    })
    const jwksUrl = `${authority.url}/.well-known/jwks.json`

    gate = picket({
      apiKey: PROJECT.secretKey,
      baseURL: authority.url,
      verify: { jwks: jwksUrl, audience: PROJECT.id, issuer: authority.issuer },
      // The demo's chain: a route's requirements apply to it.
      chain: CHAIN,
      // Only logins signed for this app's own host:port are accepted (no relayed phishing logins).
      allowedDomains: domains,
      // A revalidate answer is reused for 1 s per token: the demo sees a transfer quickly.
      revalidateCache: { ttl: 1000 },
      revocationList: memoryRevocationList(),
    })

    const routes = exampleRoutes(demo)
    const app = express()
    app.disable('x-powered-by')
    app.use(gate)
    app.use('/auth', picketRouter())
    for (const route of routes) {
      const gates = route.gate === undefined ? [] : [requireWallet(route.gate)]
      app.get(route.path, ...gates, (request, response) => {
        response.json({
          route: route.path,
          // null on the public route: no gate ran (and no token was sent).
          wallet: request.picketUser?.walletAddress ?? null,
          tokenBalances: request.picketUser?.tokenBalances ?? null,
        })
      })
    }
    app.use((request, response) => {
      response.status(404).json({ statusCode: 404, error: 'Not Found', message: `${request.path} not found` })
    })
    app.use(picketErrorHandler())
    // A route whose handler comes before its gate would fail here, at startup.
    assertGatedRoutes(app)

    await gate.ready
    server.on('request', app)
    await listen(server, port)

    return {
      url,
      authorityUrl: authority.url,
      jwksUrl,
      demo,
      chainSlug: CHAIN,
      chainId: demo.chain.chainId,
      routes,
      app,
      close: stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
