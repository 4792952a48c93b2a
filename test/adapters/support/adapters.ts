/**
 * Both adapters behind one interface, for the shared behaviour suite: each serves the same
 * routes with the same options on 127.0.0.1 (real HTTP), so one table of requests and expected
 * answers runs against the Fastify plugin and the Express middleware alike.
 */
import { Agent, request as httpRequest } from 'node:http'
import { inspect } from 'node:util'
import fastifyCookie from '@fastify/cookie'
import cookieParser from 'cookie-parser'
import express from 'express'
import { picket as expressPicket, picketErrorHandler, picketRouter, requireWallet } from 'express-picket'
import Fastify from 'fastify'
import fastifyPicket from 'fastify-picket'
import type { GateConfig } from 'picket-core'
import type { HelperRouteOptions, PicketServerOptions } from 'picket-core/server'

/** One gated (or not) route: its handler answers with what the gate left on the request. */
export interface RouteSpec {
  path: string
  /** `undefined`: no gate at all. */
  gate?: GateConfig
}

export interface ServeOptions {
  /** The options both adapters take (no adapter-specific keys). */
  options: PicketServerOptions<never>
  routes: readonly RouteSpec[]
  /** Serve the helper routes under `/auth` with these options. */
  helpers?: HelperRouteOptions
  /** Cookie secret (signed session cookies). */
  cookieSecret?: string
  /** Collects what the app logs at error level, one string a log call (default: nothing kept). */
  errorLog?: string[]
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface Served {
  url: string
  /** A real HTTP request; a header given as a list is sent once per value. */
  call(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string | string[]> },
  ): Promise<Answer>
  close(): Promise<void>
}

export interface Adapter {
  name: 'fastify' | 'express'
  serve(setup: ServeOptions): Promise<Served>
  /** The adapter's error code for a shared refusal code (`PICKET_NO_TOKEN`). */
  code(shared: string): string
  /**
   * A `Cookie` header carrying a signed cookie as the framework's cookie library signs it:
   * @fastify/cookie writes `value.signature`, cookie-parser `s:value.signature` (same HMAC).
   */
  signedCookie(name: string, value: string, secret: string): string
}

const cookieSignature = (value: string, secret: string) => new fastifyCookie.Signer(secret).sign(value)

/**
 * One kept-alive connection per server: requests follow each other on the same socket, as a
 * browser's do, so the gate's per-connection cache-hit memo meets every case of the table.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1 })

function send(
  base: string,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string | string[]> } = {},
): Promise<Answer> {
  const payload =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? init.body
        : JSON.stringify(init.body)
  // A header given as a list is sent as that many header lines (two Authorization headers).
  const headers: Record<string, string | string[]> = {
    ...(payload === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...init.headers,
  }
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}${path}`,
      { method, headers: headers as never, agent },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown = text
          try {
            body = text === '' ? undefined : JSON.parse(text)
          } catch {}
          resolve({ status: response.statusCode!, headers: response.headers, body })
        })
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    if (payload !== undefined) request.write(payload)
    request.end()
  })
}

function served(base: string, close: () => Promise<void>): Served {
  return { url: base, call: (method, path, init) => send(base, method, path, init), close }
}

/**
 * What every route answers: what the gate left on the request (and, on a route with a gate in
 * the gate language, how it was met: `picketGate`, as `gate`).
 */
function routeAnswer(
  user: { walletAddress?: string; tokenBalances?: unknown } | null | undefined,
  token: unknown,
  gate?: unknown,
) {
  return {
    wallet: user?.walletAddress ?? null,
    balances: user?.tokenBalances ?? null,
    token: token ?? null,
    ...(gate ? { gate } : {}),
  }
}

export const fastifyAdapter: Adapter = {
  name: 'fastify',
  code: (shared) => `FST_${shared}`,
  signedCookie: (name, value, secret) => `${name}=${encodeURIComponent(cookieSignature(value, secret))}`,
  async serve({ options, routes, helpers, cookieSecret, errorLog }) {
    // pino writes one JSON line a call; only error-level lines are kept.
    const app = errorLog
      ? Fastify({ logger: { level: 'error', stream: { write: (line: string) => errorLog.push(line) } } })
      : Fastify()
    if (options.cookie) await app.register(fastifyCookie, cookieSecret ? { secret: cookieSecret } : {})
    await app.register(fastifyPicket, {
      ...(options as object),
      ...(helpers ? { routes: { prefix: '/auth', ...helpers } } : {}),
    })
    for (const route of routes) {
      app.get(
        route.path,
        route.gate === undefined ? {} : { config: { picket: route.gate } },
        async (request) => routeAnswer(request.picketUser, request.picketToken, request.picketGate),
      )
    }
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    return served(`http://127.0.0.1:${port}`, () => app.close())
  },
}

export const expressAdapter: Adapter = {
  name: 'express',
  code: (shared) => shared,
  signedCookie: (name, value, secret) =>
    `${name}=${encodeURIComponent(`s:${cookieSignature(value, secret)}`)}`,
  async serve({ options, routes, helpers, cookieSecret, errorLog }) {
    const app = express()
    if (options.cookie) app.use(cookieParser(cookieSecret))
    // What a pino or console logger would write: the message, and the error (with its cause).
    const error = errorLog
      ? (...args: unknown[]) =>
          errorLog.push(
            args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 4 }))).join(' '),
          )
      : () => {}
    const middleware = expressPicket({ ...(options as object), logger: { warn() {}, error } })
    app.use(middleware)
    if (helpers) app.use('/auth', picketRouter(helpers))
    for (const route of routes) {
      const handler = (request: express.Request, response: express.Response) => {
        response.json(routeAnswer(request.picketUser, request.picketToken, request.picketGate))
      }
      if (route.gate === undefined) app.get(route.path, handler)
      else app.get(route.path, requireWallet(route.gate), handler)
    }
    app.use(picketErrorHandler())
    await middleware.ready
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
    })
    const { port } = server.address() as { port: number }
    return served(`http://127.0.0.1:${port}`, async () => {
      middleware.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })
  },
}

export const ADAPTERS: readonly Adapter[] = [fastifyAdapter, expressAdapter]
