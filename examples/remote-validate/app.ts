/**
 * fastify-picket without a JWKS: tokens are checked by the Picket API itself
 * (`POST /auth/validate`). This is how a user of the hosted Picket API runs the plugin: hosted
 * Picket never published its signing keys, so local verification is not available there.
 * The verified-token cache (on by default, tuned below) turns that into one round trip per
 * token rather than one per request.
 *
 * The front end logs in with the API directly (picket-js with the publishable key) and sends
 * the access token to this server as `Authorization: Bearer …`.
 *
 *   PICKET_SECRET_KEY=sk_… PICKET_BASE_URL=https://picketapi.com/api/v1 npx tsx examples/remote-validate/main.ts
 *
 * Without them, a local authority (the bundled one) is started beside the app instead.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import picket from 'fastify-picket'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import type { PicketClientOptions } from 'picket-core/client'

/** The project of the local authority, used when no API is configured. */
export const LOCAL_PROJECT = {
  id: '2a9e4c1b-7d35-4f60-8b12-c3e5f7a9d104',
  name: 'Remote validation example',
  publishableKey: 'pk_example_remote_validate',
  secretKey: 'sk_example_remote_validate',
  // The front end whose pages sign in with picket-js against this authority.
  allowedDomains: ['localhost:3000', '127.0.0.1:3000'],
}

export interface StartOptions {
  /** Default 3001; 0 picks a free port. */
  port?: number
  /** The project's secret key; with `baseURL`, the API to use (e.g. hosted Picket). */
  apiKey?: string
  baseURL?: string
  /** Passed to the plugin's client (timeouts, retries, a custom fetch). */
  clientOptions?: Omit<PicketClientOptions, 'baseURL'>
}

export interface RunningRemoteExample {
  url: string
  /** The API the plugin validates tokens with. */
  apiUrl: string
  /** The local authority, when one was started. */
  authority: RunningAuthority | undefined
  app: FastifyInstance
  close(): Promise<void>
}

export async function start(options: StartOptions = {}): Promise<RunningRemoteExample> {
  let authority: RunningAuthority | undefined
  let apiKey = options.apiKey
  let apiUrl = options.baseURL
  if (!apiKey || !apiUrl) {
    authority = await startAuthority({
      port: 0,
      signingKey: await generateSigningJwk(),
      projects: [LOCAL_PROJECT],
    })
    apiKey = LOCAL_PROJECT.secretKey
    apiUrl = authority.url
  }

  const app = Fastify()
  try {
    await app.register(picket, {
      apiKey,
      baseURL: apiUrl,
      ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
      // No `verify`: remote validation. A verified token is kept for at most a minute (never past
      // its `exp`), so a revoked session stops working within a minute.
      cache: { max: 10_000, ttl: 60_000 },
    })

    app.get('/api/me', { config: { picket: true } }, async (request) => ({
      wallet: request.picketUser!.walletAddress,
      chain: request.picketUser!.chain,
      expiresAt: new Date(request.picketUser!.exp * 1000).toISOString(),
    }))
    app.get('/api/greeting', { config: { picket: { optional: true } } }, async (request) => ({
      greeting: `Hello, ${request.picketUser?.displayAddress ?? 'anonymous visitor'}`,
    }))

    await app.listen({ port: options.port ?? 3001, host: '127.0.0.1' })
  } catch (error) {
    await app.close()
    await authority?.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl,
    authority,
    app,
    async close() {
      await app.close()
      await authority?.close()
    },
  }
}
