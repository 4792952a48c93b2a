/**
 * Child process of bench/gate-evaluation.ts: one Fastify app with fastify-picket (local
 * verification through the authority's JWKS, verified-token cache on) and four routes with the
 * same handler, differing only in `config.picket`: `true`, Picket `requirements`, and the two
 * gates. The config comes in BENCH_SERVER_CONFIG (JSON); the port goes back over IPC.
 */
import Fastify from 'fastify'
import picket from 'fastify-picket'
import type { EvalServerConfig } from './gate-eval-shared.js'
import { type ChildReady, serveCpuUsage } from './protocol.js'

const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '') as EvalServerConfig
const app = Fastify({ logger: false })
await app.register(picket, {
  apiKey: config.secretKey,
  baseURL: config.baseURL,
  chain: 'localhost',
  verify: { jwks: config.jwksUrl, audience: config.audience, issuer: config.issuer },
})

const handler = async () => ({ hello: 'world' })
app.get('/true', { config: { picket: true } }, handler)
app.get('/requirements', { config: { picket: { requirements: config.requirements } } }, handler)
// Decided from the token alone: a token that does not prove the gate is refused, never sent to /authz.
app.get('/gate4', { config: { picket: { gate: config.gate4, incremental: false } } }, handler)
app.get('/gate10', { config: { picket: { gate: config.gate10, incremental: false } } }, handler)
await app.listen({ port: 0, host: '127.0.0.1' })

serveCpuUsage(() => app.close())
const address = app.server.address()
const ready: ChildReady = { type: 'ready', port: typeof address === 'object' && address ? address.port : 0 }
process.send!(ready)
