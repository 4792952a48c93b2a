/**
 * Child process: the server under test for one variant of the plugin-gate benchmark. Every
 * variant serves the same route with the same handler; only what guards it differs. The
 * config comes in BENCH_SERVER_CONFIG (JSON); the chosen port goes back over IPC.
 */
import fastifyJwt from '@fastify/jwt'
import Fastify, { type RouteShorthandOptions } from 'fastify'
import picket from 'fastify-picket'
import { type ChildReady, serveCpuUsage } from './protocol.js'
import { ROUTE, type ServerConfig } from './variants.js'

const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '') as ServerConfig
const app = Fastify({ logger: false })

const picketLocal = {
  apiKey: config.secretKey,
  baseURL: config.baseURL,
  verify: { jwks: config.jwksUrl, audience: config.audience, issuer: config.issuer },
}
const picketRemote = { apiKey: config.secretKey, baseURL: config.baseURL }

/** The same claim checks the picket local verifier pins: algorithm, audience, issuer, required claims. */
function jwtOptions(cache: boolean) {
  return {
    secret: { public: config.publicKeyPem },
    verify: {
      algorithms: ['ES256' as const],
      allowedAud: config.audience,
      allowedIss: config.issuer,
      requiredClaims: ['exp', 'iat', 'sub', 'aud', 'iss'],
      clockTolerance: 5000,
      cache,
    },
  }
}

let routeOptions: RouteShorthandOptions = {}
switch (config.variant) {
  case 'ungated':
    break
  case 'noop-hook':
    // Not a gate: what any async preHandler costs in Fastify, the floor under every gated variant.
    routeOptions = { preHandler: async () => {} }
    break
  case 'local-cached':
    await app.register(picket, picketLocal)
    routeOptions = { config: { picket: true } }
    break
  case 'local-nocache':
    await app.register(picket, { ...picketLocal, cache: false })
    routeOptions = { config: { picket: true } }
    break
  case 'remote-cached':
    await app.register(picket, picketRemote)
    routeOptions = { config: { picket: true } }
    break
  case 'remote-nocache':
    await app.register(picket, { ...picketRemote, cache: false })
    routeOptions = { config: { picket: true } }
    break
  case 'jwt':
  case 'jwt-cached':
    await app.register(fastifyJwt, jwtOptions(config.variant === 'jwt-cached'))
    // The same hook stage as the picket gate's default (preHandler).
    routeOptions = {
      preHandler: async (request) => {
        await request.jwtVerify()
      },
    }
    break
  default:
    throw new Error(`unknown variant ${String(config.variant)}`)
}

app.get(ROUTE, routeOptions, async () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })

serveCpuUsage(() => app.close())
const address = app.server.address()
const ready: ChildReady = { type: 'ready', port: typeof address === 'object' && address ? address.port : 0 }
process.send!(ready)
