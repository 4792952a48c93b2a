/**
 * The token-gated API example: one Fastify app on 127.0.0.1 that
 *   - mounts the bundled Picket-compatible authority at `/api/v1` (no hosted service needed),
 *   - registers fastify-picket with local verification against that authority's JWKS,
 *   - serves routes that show every kind of gate, and a sign-in page at `/`,
 * over an in-process EVM chain holding the demo tokens.
 *
 * `start()` is used by `npm start` (main.ts), by `npm run demo` (demo.ts) and by the tests.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import picket from 'fastify-picket'
import { createAuthority, generateSigningJwk, type PrivateEcJwk } from 'picket-authority'
import { type DemoChain, startDemoChain } from './demo-chain.js'
import { resolveListenPort } from './listen-port.js'
import { registerPage } from './page.js'
import { CHAIN, PROJECT } from './project.js'
import { type GatedRoute, gatedRoutes, registerExampleRoutes } from './routes.js'

export { CHAIN, PROJECT }

export interface StartOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number
  /** Fastify's logger (default off). */
  logger?: boolean
}

export interface RunningExample {
  /** `http://127.0.0.1:PORT`: the page, the helper routes and the API. */
  url: string
  /** The bundled authority's base URL (what `baseURL` of any Picket SDK is set to). */
  apiUrl: string
  jwksUrl: string
  /** The on-chain world: the chain, the PASS and COIN contracts, the demo wallets. */
  demo: DemoChain
  chainSlug: string
  chainId: number
  routes: GatedRoute[]
  /** The authority's private signing key (the demo forges an expired token with it). */
  signingJwk: PrivateEcJwk
  app: FastifyInstance
  close(): Promise<void>
}

const HOST = '127.0.0.1'

export async function start(options: StartOptions = {}): Promise<RunningExample> {
  const port = await resolveListenPort(options.port ?? 3000, HOST)
  const url = `http://${HOST}:${port}`
  const apiUrl = `${url}/api/v1`
  // The page is reachable under both names; a SIWE message names the host the browser shows.
  const domains = [`localhost:${port}`, `127.0.0.1:${port}`]

  const demo = await startDemoChain()
  const signingJwk = await generateSigningJwk()
  const routes = gatedRoutes({ pass: demo.pass, coin: demo.coin, allowlist: [demo.holder.address] })
  const app = Fastify({ logger: options.logger ?? false })
  try {
    // The authority, as a plugin of this same app. Its issuer is fixed: otherwise it would be
    // derived from each request's Host header, and `localhost` vs `127.0.0.1` would differ.
    await app.register(
      createAuthority({
        issuer: apiUrl,
        signingKey: signingJwk,
        projects: [{ ...PROJECT, format: 'siwe', allowedDomains: domains }],
        chains: { [CHAIN]: { rpcUrl: demo.chain.rpcUrl, chainId: demo.chain.chainId } },
      }),
      { prefix: '/api/v1' },
    )

    // The plugin first (awaited), then the routes it gates.
    await app.register(picket, {
      apiKey: PROJECT.secretKey,
      // The demo's chain: a route's requirements apply to it, and tokens of other chains never meet them.
      chain: CHAIN,
      baseURL: apiUrl,
      verify: { jwks: `${apiUrl}/.well-known/jwks.json`, audience: PROJECT.id, issuer: apiUrl },
      // A `revalidate` (or incremental) answer is reused for 1 s per token: a client polling the
      // live route costs at most one chain read per second, and the demo sees a transfer quickly.
      revalidateCache: { ttl: 1000 },
      allowedDomains: domains,
      routes: { prefix: '/auth' },
    })
    registerExampleRoutes(app, routes)
    await registerPage(app, { chain: CHAIN, chainId: demo.chain.chainId, routes })

    await app.listen({ port, host: HOST })
  } catch (error) {
    await app.close()
    await demo.chain.close()
    throw error
  }

  return {
    url,
    apiUrl,
    jwksUrl: `${apiUrl}/.well-known/jwks.json`,
    demo,
    chainSlug: CHAIN,
    chainId: demo.chain.chainId,
    routes,
    signingJwk,
    app,
    async close() {
      await app.close()
      await demo.chain.close()
    },
  }
}
