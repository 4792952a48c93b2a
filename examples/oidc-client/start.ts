/**
 * Everything the OIDC client example needs, on this machine, in one process:
 *   - the dev chain with the demo tokens (../token-gated-api/demo-chain.ts): PASS and COIN,
 *   - the bundled authority (`startAuthority`) on a port of its own, with one project whose
 *     `redirectUris` hold the app's callback and whose `allowedDomains` hold the authority's own
 *     host (its hosted login page has the wallet sign for the authority, not for the app),
 *   - the OIDC web app (./app.ts), a client of that project.
 *
 * `start()` is used by main.ts and by test/examples/oidc-client.test.ts.
 */
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import { type DemoChain, startDemoChain } from '../token-gated-api/demo-chain.js'
import { resolveListenPort } from '../token-gated-api/listen-port.js'
import { createOidcApp, type MembersRule, type OidcApp } from './app.js'

/** The OIDC client's project at the authority (client_id = publishableKey, client_secret = secretKey). */
export const PROJECT = {
  id: '0b7e5f0e-8f43-4c55-a2a5-5c1d2f4e9b61',
  name: 'OIDC client example',
  publishableKey: 'pk_example_oidc_client',
  secretKey: 'sk_example_oidc_client',
  statement: 'Sign in to the OIDC client example',
} as const

/** The dev chain's slug (chain ID 1337). */
export const CHAIN = 'localhost'

const HOST = '127.0.0.1'

export interface StartOptions {
  /** The app's port; default 3002, 0 picks a free one. */
  port?: number
  /** The authority's port; default 0 (a free one). */
  authorityPort?: number
  logger?: boolean
}

export interface RunningExample {
  /** The web app, e.g. `http://127.0.0.1:3002`. */
  url: string
  /** The authority's issuer (its API base URL). */
  issuer: string
  authority: RunningAuthority
  demo: DemoChain
  members: MembersRule
  oidc: OidcApp
  close(): Promise<void>
}

export async function start(options: StartOptions = {}): Promise<RunningExample> {
  // Both ports are part of the configuration (the redirect URI, the domain the wallet signs for),
  // so they are known before anything listens.
  const port = await resolveListenPort(options.port ?? 3002, HOST)
  const authorityPort = await resolveListenPort(options.authorityPort ?? 0, HOST)
  const url = `http://${HOST}:${port}`

  const demo = await startDemoChain()
  let authority: RunningAuthority | undefined
  let oidc: OidcApp | undefined
  const stop = async () => {
    await oidc?.app.close()
    await authority?.close()
    await demo.chain.close()
  }
  try {
    authority = await startAuthority({
      port: authorityPort,
      host: HOST,
      signingKey: await generateSigningJwk(),
      projects: [
        {
          ...PROJECT,
          redirectUris: [`${url}/callback`],
          allowedDomains: [`${HOST}:${authorityPort}`, `localhost:${authorityPort}`],
          // Access tokens live 5 minutes: the app refreshes them after that, and every refresh
          // reads the chain again for the requirement granted at sign-in.
          tokenTTL: 300,
        },
      ],
      chains: { [CHAIN]: { rpcUrl: demo.chain.rpcUrl, chainId: demo.chain.chainId } },
    })
    const members: MembersRule = {
      contractAddress: demo.pass,
      minTokenBalance: '1',
      label: 'Example Pass (PASS)',
      chain: CHAIN,
    }
    oidc = await createOidcApp({
      issuer: authority.issuer,
      clientId: PROJECT.publishableKey,
      clientSecret: PROJECT.secretKey,
      appUrl: url,
      members,
      logger: options.logger ?? false,
    })
    await oidc.app.listen({ port, host: HOST })
    return { url, issuer: authority.issuer, authority, demo, members, oidc, close: stop }
  } catch (error) {
    await stop()
    throw error
  }
}
