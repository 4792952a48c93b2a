/**
 * Express gate benchmark: autocannon against one Express 5 route, in variants that differ only
 * in what guards it (nothing, express-picket with and without its verified-token cache,
 * express-oauth2-jwt-bearer), alternated in rounds within one run. Writes the "Express gate"
 * section of bench/RESULTS.md (only the generated block between its markers),
 * bench/results/express-gate.json, and re-renders bench/ratios.svg (see bench/chart.ts).
 *
 *   npx tsx bench/express-gate.ts
 *
 * Environment (as bench/plugin-gate.ts): BENCH_DURATION (s per run, default 10), BENCH_WARMUP
 * (s, default 5), BENCH_CONNECTIONS (default 10), BENCH_ROUNDS (default 5), BENCH_VARIANTS
 * (comma-separated subset), BENCH_WRITE=0 (print only, leave the files alone),
 * BENCH_QUIET_CORES / BENCH_QUIET_MAX (wait before a run until other processes use fewer cores,
 * default 0.1 cores for up to 120 s), BENCH_DISTURBED_CORES / BENCH_REPEATS (repeat a run during
 * which they used more, default 0.1 cores, up to 4 times).
 *
 * Processes: this script runs autocannon; the authority (login, JWKS) and each variant's server
 * run in their own child processes, as in the plugin-gate bench.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { createHistogram } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { PicketClient } from 'picket-core/client'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { siweLogin } from '../tools/siwe-login.js'
import { type Child, spawnChild } from './support/child.js'
import {
  EXPRESS_BEGIN_PREFIX,
  EXPRESS_END_MARKER,
  EXPRESS_HEADING,
  evaluateTargets,
  expressResults,
  renderExpressSection,
  summarizeExpress,
} from './support/express-report.js'
import {
  EXPRESS_VARIANTS,
  type ExpressServerConfig,
  type ExpressVariantId,
  OAUTH2_ENV,
} from './support/express-variants.js'
import { machineBusyMicros, waitForQuiet } from './support/machine-load.js'
import { BENCH_PROJECT, type ChildReady } from './support/protocol.js'
import { writeRatioChart } from './support/ratio-chart.js'
import { type Measurement, median } from './support/report.js'
import { writeSection } from './support/results-file.js'
import { ROUTE } from './support/variants.js'

type AuthorityReady = Extract<ChildReady, { url: string }>
type ServerReady = Extract<ChildReady, { port: number }>

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

const settings = {
  duration: envNumber('BENCH_DURATION', 10),
  warmup: envNumber('BENCH_WARMUP', 5),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  rounds: envNumber('BENCH_ROUNDS', 5),
  quietCores: envNumber('BENCH_QUIET_CORES', 0.1),
  quietMaxSeconds: envNumber('BENCH_QUIET_MAX', 120),
  disturbedCores: envNumber('BENCH_DISTURBED_CORES', 0.1),
  repeats: envNumber('BENCH_REPEATS', 4),
}
const selected = process.env.BENCH_VARIANTS?.split(',').filter(Boolean)
const variants = EXPRESS_VARIANTS.filter((v) => !selected || selected.includes(v.id))
const write = process.env.BENCH_WRITE !== '0'
const benchDir = fileURLToPath(new URL('.', import.meta.url))

const log = (line: string) => process.stderr.write(`${line}\n`)

/** A real login: nonce → signing message → wallet signature → /auth (no requirements, chain ethereum). */
async function login(baseURL: string): Promise<string> {
  const client = new PicketClient(BENCH_PROJECT.secretKey, { baseURL })
  const account = privateKeyToAccount(generatePrivateKey())
  const { accessToken } = await siweLogin(client, account, { domain: BENCH_PROJECT.allowedDomains[0]! })
  return accessToken
}

/** Every variant answers the token with the same 200 body; gated ones refuse no token and a forged one with 401. */
async function checkVariant(id: ExpressVariantId, url: string, token: string): Promise<void> {
  const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const body = await ok.text()
  if (ok.status !== 200 || body !== '{"hello":"world"}') {
    throw new Error(`${id}: expected 200 {"hello":"world"} with the token, got ${ok.status} ${body}`)
  }
  const anonymous = await fetch(url)
  await anonymous.arrayBuffer()
  if (id === 'ungated') {
    if (anonymous.status !== 200)
      throw new Error(`${id}: expected 200 without a token, got ${anonymous.status}`)
    return
  }
  const [header, payload, signature] = token.split('.')
  const flipped = signature!.startsWith('A') ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`
  const forged = await fetch(url, { headers: { authorization: `Bearer ${header}.${payload}.${flipped}` } })
  await forged.arrayBuffer()
  if (anonymous.status !== 401 || forged.status !== 401) {
    throw new Error(`${id}: expected 401s, got ${anonymous.status} without a token, ${forged.status} forged`)
  }
  log(`  ${id}: 200 with the token, 401 without one, 401 forged`)
}

interface RunContext {
  servers: Map<ExpressVariantId, Child<ServerReady>>
  authority: Child<AuthorityReady>
  token: string
}

async function run(ctx: RunContext, id: ExpressVariantId, duration: number): Promise<Measurement> {
  const server = ctx.servers.get(id)!
  const url = `http://127.0.0.1:${server.ready.port}${ROUTE}`
  // autocannon's own latency histogram has 1 ms resolution; keep a µs one from its events.
  const latency = createHistogram()
  const [serverBefore, authorityBefore] = await Promise.all([server.cpuMicros(), ctx.authority.cpuMicros()])
  const machineBefore = machineBusyMicros()
  const selfBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  const instance = autocannon({
    url,
    connections: settings.connections,
    duration,
    pipelining: 1,
    headers: { authorization: `Bearer ${ctx.token}` },
  })
  instance.on('response', (_client, _status, _bytes, ms) =>
    latency.record(Math.max(1, Math.round(ms * 1000))),
  )
  const result = await instance
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000
  const self = process.cpuUsage(selfBefore)
  const machine = machineBusyMicros() - machineBefore
  const [serverAfter, authorityAfter] = await Promise.all([server.cpuMicros(), ctx.authority.cpuMicros()])
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(
      `${id}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`,
    )
  }
  const ours = serverAfter - serverBefore + (authorityAfter - authorityBefore) + self.user + self.system
  return {
    reqPerSec: result.requests.average,
    p50: latency.percentile(50) / 1000,
    p99: latency.percentile(99) / 1000,
    serverCpu: (serverAfter - serverBefore) / wallMicros,
    authorityCpu: (authorityAfter - authorityBefore) / wallMicros,
    loadGenCpu: (self.user + self.system) / wallMicros,
    foreignCpu: Math.max(0, (machine - ours) / wallMicros),
    repeats: 0,
    disturbed: false,
  }
}

/** Before a measured run: let another engineer's test run finish first (bounded wait). */
async function settle(): Promise<void> {
  const { busy, quiet } = await waitForQuiet(settings.quietCores, settings.quietMaxSeconds * 1000)
  if (!quiet) log(`  machine still busy (${busy.toFixed(2)} cores used by others); measuring anyway`)
}

async function main(): Promise<void> {
  const startedAt = new Date()
  const loadAtStart = os.loadavg()
  log(`express-gate: ${variants.map((v) => v.id).join(', ')}; ${JSON.stringify(settings)}`)

  const authority = await spawnChild<AuthorityReady>('authority-process.ts')
  const servers = new Map<ExpressVariantId, Child<ServerReady>>()
  try {
    const token = await login(authority.ready.url)
    for (const { id } of variants) {
      const config: ExpressServerConfig = {
        variant: id,
        baseURL: authority.ready.url,
        secretKey: BENCH_PROJECT.secretKey,
        jwksUrl: `${authority.ready.url}/.well-known/jwks.json`,
        audience: BENCH_PROJECT.id,
        issuer: authority.ready.issuer,
        domain: BENCH_PROJECT.allowedDomains[0]!,
      }
      const server = await spawnChild<ServerReady>('express-gate-server.ts', {
        env: { BENCH_SERVER_CONFIG: JSON.stringify(config) },
        unsetEnv: OAUTH2_ENV,
      })
      servers.set(id, server)
      // Also warms the verified-token cache of the cached variant with the bench token.
      await checkVariant(id, `http://127.0.0.1:${server.ready.port}${ROUTE}`, token)
    }

    const ctx: RunContext = { servers, authority, token }
    for (const { id } of variants) {
      log(`warm-up ${id} (${settings.warmup} s, discarded)`)
      await run(ctx, id, settings.warmup)
    }

    const runs = new Map<ExpressVariantId, Measurement[]>(variants.map((v) => [v.id, []]))
    const loadPerRound: number[] = []
    const roundOrders: ExpressVariantId[][] = []
    for (let round = 1; round <= settings.rounds; round++) {
      loadPerRound.push(os.loadavg()[0]!)
      // Reverse the order every other round, so no variant always runs first or right after another.
      const order = variants.map((v) => v.id)
      if (round % 2 === 0) order.reverse()
      roundOrders.push(order)
      for (const id of order) {
        let m: Measurement
        for (let attempt = 0; ; attempt++) {
          await settle()
          m = await run(ctx, id, settings.duration)
          m.repeats = attempt
          m.disturbed = m.foreignCpu >= settings.disturbedCores
          log(
            `round ${round} ${id.padEnd(18)} ${m.reqPerSec.toFixed(0).padStart(7)} req/s  p99 ${m.p99.toFixed(2)} ms  ` +
              `server ${(m.serverCpu * 100).toFixed(0)}%  autocannon ${(m.loadGenCpu * 100).toFixed(0)}%  ` +
              `authority ${(m.authorityCpu * 100).toFixed(0)}%  others ${(m.foreignCpu * 100).toFixed(0)}%`,
          )
          if (!m.disturbed || attempt >= settings.repeats) break
          log('  disturbed by other processes: repeating this run')
        }
        runs.get(id)!.push(m)
      }
    }

    const summaries = variants.map((v) => summarizeExpress(v.id, v.label, runs.get(v.id)!))
    const targets = evaluateTargets(summaries, runs)
    const input = {
      summaries,
      targets,
      settings,
      environment: {
        date: startedAt.toISOString(),
        node: process.version,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        loadAtStart: loadAtStart[0]!,
        loadPerRound,
        medianLoad: median(loadPerRound),
      },
      elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
    }
    const section = renderExpressSection(input)
    process.stdout.write(`${section}\n`)
    for (const t of targets) {
      log(`${t.name}: ${t.ratio.toFixed(2)} (needed ≥ ${t.min.toFixed(2)}) ${t.met ? 'met' : 'MISSED'}`)
    }
    log(`run took ${(input.elapsedSeconds / 60).toFixed(1)} min`)
    if (write && variants.length === EXPRESS_VARIANTS.length) {
      writeSection(fileURLToPath(new URL('RESULTS.md', import.meta.url)), section, {
        heading: EXPRESS_HEADING,
        beginPrefix: EXPRESS_BEGIN_PREFIX,
        endMarker: EXPRESS_END_MARKER,
      })
      mkdirSync(`${benchDir}results`, { recursive: true })
      writeFileSync(
        `${benchDir}results/express-gate.json`,
        `${JSON.stringify(expressResults({ ...input, roundOrders }), null, 2)}\n`,
      )
      log('wrote the Express gate section of bench/RESULTS.md and bench/results/express-gate.json')
      const chart = writeRatioChart(benchDir)
      log(`rendered ${chart}`)
    } else if (write) {
      log('a subset of variants ran: bench/RESULTS.md and bench/results left alone')
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.close()))
    await authority.close()
  }
}

await main()
