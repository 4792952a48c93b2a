/**
 * Gate evaluation (issue 15): what a gate in the gate language costs, cold and warm, on two
 * ganache dev chains. Writes the "Gate evaluation (issue 15)" section of bench/RESULTS.md (only
 * the generated block between its markers).
 *
 *   git worktree add /tmp/before-gates 2c89937 && ln -s "$PWD/node_modules" /tmp/before-gates/
 *   npx tsx bench/gate-evaluation.ts /tmp/before-gates
 *
 * The argument is the repository root of the tree to A/B the hit path against (part 3); without
 * it part 3 is skipped. Gates: "pass #1–#100 on chain A AND (≥ 500 COIN on chain B OR allowlist)
 * AND NOT the revoked badge" (4 conditions) and a 10-condition variant over the same 2 chains
 * (bench/support/gate-eval-shared.ts).
 *
 * 1. cold: `POST /authz { gate }` through the bundled authority over HTTP, every request for a
 *    wallet whose token records no answer (so the authority reads both chains each time), at
 *    concurrency 1 (latency) and GE_CONCURRENCY (req/s); RPC HTTP POSTs per evaluation counted
 *    by a proxy in front of each chain.
 * 2. warm: the same gates decided from a token that recorded the answers: (a) core's
 *    `evaluateGate(compiled, tokenLookup(claims))` on a fresh claims object per call (no
 *    memo), ops/s; (b) over HTTP (autocannon) through the Fastify plugin's cache-hit path on a
 *    `gate` route vs a `true` route vs a `requirements` route, same token, same server, runs
 *    alternated in rounds.
 * 3. the plugin's hit path (route gate hook on a cached token, no HTTP, as gate-hit-ab.ts),
 *    A/B against the other tree for a `true` and a `requirements` route, with a control arm
 *    (this tree measured twice) for the noise; and this tree's gate routes on the same footing.
 *
 * Processes: this one runs the authority, the cold client and autocannon; the two chains (and
 * their counting proxies) run in one child, the plugin server in another, each hit measurement
 * in its own short child.
 *
 * Environment: GE_ROUNDS (cold rounds, default 3), GE_HTTP_ROUNDS (default 4), GE_AB_ROUNDS
 * (default 4), GE_COLD_COUNT (sequential evaluations per gate and round, default 6),
 * GE_COLD_SECONDS (s per concurrent run, default 4), GE_CONCURRENCY (default 4), GE_HTTP_SECONDS
 * (s per autocannon run, default 3), GE_AB_CALLS (per child, default 1,000,000), GE_SKIP=cold,http
 * (leave parts out, e.g. to repeat only the A/B; implies BENCH_WRITE=0), BENCH_WRITE=0 (print only).
 */
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { resolve } from 'node:path'
import { createHistogram } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { decodeJwt } from 'jose'
import { generateSigningJwk, startAuthority } from 'picket-authority'
import {
  type AccessTokenPayload,
  type CompiledGate,
  claimsSatisfy,
  DEFAULT_CHAIN_ALIASES,
  evaluateGate,
  type GateExpression,
  normalizeRequirements,
  parseGateExpression,
  tokenLookup,
} from 'picket-core'
import { PicketClient } from 'picket-core/client'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { siweLogin } from '../tools/siwe-login.js'
import { spawnChild } from './support/child.js'
import {
  CHAIN_A_ID,
  CHAIN_B_ID,
  type ChainCounts,
  type ChainsReady,
  EVAL_ROUTES,
  type EvalRoute,
  type EvalServerConfig,
  gate4,
  gate10,
  passRequirements,
} from './support/gate-eval-shared.js'
import { machineBusyMicros } from './support/machine-load.js'
import { BENCH_PROJECT, type ChildReady } from './support/protocol.js'
import { median } from './support/report.js'
import { writeSection } from './support/results-file.js'

const here = fileURLToPath(import.meta.url)
const num = (name: string, fallback: number) => {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const settings = {
  coldRounds: num('GE_ROUNDS', 3),
  coldCount: num('GE_COLD_COUNT', 6),
  coldSeconds: num('GE_COLD_SECONDS', 4),
  concurrency: num('GE_CONCURRENCY', 4),
  httpRounds: num('GE_HTTP_ROUNDS', 4),
  httpSeconds: num('GE_HTTP_SECONDS', 3),
  httpWarmup: 2,
  connections: 10,
  abRounds: num('GE_AB_ROUNDS', 4),
  abCalls: num('GE_AB_CALLS', 1_000_000),
}
const otherTree = process.argv[2] ? resolve(process.argv[2]) : undefined
const thisTree = resolve(here, '../..')
/** Parts to leave out (`cold`, `http`), e.g. to repeat only the A/B; RESULTS.md is then left alone. */
const skip = new Set(process.env.GE_SKIP?.split(',').filter(Boolean) ?? [])
const write = process.env.BENCH_WRITE !== '0' && skip.size === 0
const log = (line: string) => process.stderr.write(`${line}\n`)
const load1 = () => os.loadavg()[0]!
const fail = (path: string, message: string) => new Error(`${path} ${message}`)

const COLD_WALLETS = 16
const SECRET_AUTH = `Basic ${Buffer.from(BENCH_PROJECT.secretKey).toString('base64')}`

// ------------------------------------------------------------------------------------------------
// Setup: chains, authority, logins

const startedAt = new Date()
const loadAtStart = os.loadavg()
log(`gate-evaluation: ${JSON.stringify(settings)}; load ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`)

const coldAccounts = Array.from({ length: COLD_WALLETS }, () => privateKeyToAccount(generatePrivateKey()))
const warmAccount = privateKeyToAccount(generatePrivateKey())
const setupStarted = performance.now()
const chainsChild = await spawnChild<ChildReady>('gate-eval-chains.ts', {
  env: { GE_WALLETS: JSON.stringify([...coldAccounts, warmAccount].map((a) => a.address)) },
})
const chains = chainsChild.ready as unknown as ChainsReady
let countId = 0
function chainCounts(): Promise<ChainCounts> {
  const id = ++countId
  return new Promise((done) => {
    const onMessage = (message: ChainCounts) => {
      if (message.type !== 'counts' || message.id !== id) return
      chainsChild.process.off('message', onMessage)
      done(message)
    }
    chainsChild.process.on('message', onMessage)
    chainsChild.process.send({ type: 'counts', id })
  })
}
const resetCounts = () => chainsChild.process.send({ type: 'reset' })

const authority = await startAuthority({
  port: 0,
  projects: [BENCH_PROJECT],
  signingKey: (await generateSigningJwk()) as never,
  issuer: 'http://picket.bench/api/v1',
  chains: {
    localhost: { rpcUrl: chains.rpc.A, chainId: CHAIN_A_ID },
    chainb: { rpcUrl: chains.rpc.B, chainId: CHAIN_B_ID },
  },
  rateLimit: false,
  warn: () => {},
})
const client = new PicketClient(BENCH_PROJECT.secretKey, { baseURL: authority.url })
const login = async (account: PrivateKeyAccount, requirements?: Record<string, unknown>) =>
  (
    await siweLogin(client, account, {
      chain: 'localhost',
      chainId: CHAIN_A_ID,
      domain: BENCH_PROJECT.allowedDomains[0]!,
      ...(requirements ? { requirements: requirements as never } : {}),
    })
  ).accessToken
const coldTokens: string[] = []
for (const account of coldAccounts) coldTokens.push(await login(account))

const gates: Record<'gate4' | 'gate10', GateExpression> = {
  gate4: gate4(chains.contracts),
  gate10: gate10(chains.contracts),
}
const GATE_LABEL = { gate4: '4 conditions, 2 chains', gate10: '10 conditions, 2 chains' } as const

async function authz(accessToken: string, gate: GateExpression): Promise<{ status: number; body: string }> {
  const response = await fetch(`${authority.url}/authz`, {
    method: 'POST',
    headers: { authorization: SECRET_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken, gate }),
  })
  return { status: response.status, body: await response.text() }
}
log(
  `setup (2 chains, ${COLD_WALLETS + 1} wallets, logins): ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
)

// ------------------------------------------------------------------------------------------------
// 1. Cold: /authz reads the chains

interface ColdRun {
  latencies: number[]
  reqPerSec: number
  evaluations: number
  postsPerEval: { A: number; B: number }
  methodsPerEval: Record<string, number>
  /** CPU ms per evaluation: the chains' child (ganache + proxies), this process (authority + client). */
  chainCpuMs: number
  authorityCpuMs: number
  load: number
}

async function coldRun(
  gate: GateExpression,
  concurrency: number,
  limit: { count: number } | { seconds: number },
): Promise<ColdRun> {
  const load = load1()
  resetCounts()
  await chainCounts() // the reset has been handled
  const chainCpuBefore = await chainsChild.cpuMicros()
  const selfBefore = process.cpuUsage()
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  const deadline = 'seconds' in limit ? started + limit.seconds * 1000 : Number.POSITIVE_INFINITY
  const worker = async (k: number) => {
    // Worker k takes wallets k, k + c, k + 2c…: no two requests in flight share a wallet, so
    // the authority's shared in-flight reads never merge two of them.
    for (let i = k; ; i += concurrency) {
      if ('count' in limit ? next >= limit.count : performance.now() >= deadline) return
      next++
      const t0 = performance.now()
      const answer = await authz(coldTokens[i % coldTokens.length]!, gate)
      latencies.push(performance.now() - t0)
      if (answer.status !== 200) throw new Error(`cold /authz: ${answer.status} ${answer.body}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, k) => worker(k)))
  const seconds = (performance.now() - started) / 1000
  const self = process.cpuUsage(selfBefore)
  const chainCpu = (await chainsChild.cpuMicros()) - chainCpuBefore
  const counts = await chainCounts()
  const n = latencies.length
  return {
    latencies,
    reqPerSec: n / seconds,
    evaluations: n,
    postsPerEval: { A: counts.posts.A / n, B: counts.posts.B / n },
    methodsPerEval: Object.fromEntries(Object.entries(counts.methods).map(([m, c]) => [m, c / n])),
    chainCpuMs: chainCpu / 1000 / n,
    authorityCpuMs: (self.user + self.system) / 1000 / n,
    load,
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

// One discarded pass per gate: endpoint chain-id proofs, detection caches, JIT.
if (!skip.has('cold'))
  for (const id of ['gate4', 'gate10'] as const) await coldRun(gates[id], 1, { count: 4 })
const cold: Record<'gate4' | 'gate10', { sequential: ColdRun[]; concurrent: ColdRun[] }> = {
  gate4: { sequential: [], concurrent: [] },
  gate10: { sequential: [], concurrent: [] },
}
const coldLoads: number[] = []
for (let round = 0; round < (skip.has('cold') ? 0 : settings.coldRounds); round++) {
  coldLoads.push(load1())
  const order = round % 2 === 0 ? (['gate4', 'gate10'] as const) : (['gate10', 'gate4'] as const)
  for (const id of order) {
    const seq = await coldRun(gates[id], 1, { count: settings.coldCount })
    const par = await coldRun(gates[id], settings.concurrency, { seconds: settings.coldSeconds })
    cold[id].sequential.push(seq)
    cold[id].concurrent.push(par)
    log(
      `cold round ${round + 1} ${id}: c=1 p50 ${percentile(seq.latencies, 50).toFixed(1)} ms, ` +
        `${seq.reqPerSec.toFixed(1)} req/s; c=${settings.concurrency} ${par.reqPerSec.toFixed(1)} req/s, ` +
        `p50 ${percentile(par.latencies, 50).toFixed(1)} ms; POSTs/eval A ${seq.postsPerEval.A.toFixed(2)} ` +
        `B ${seq.postsPerEval.B.toFixed(2)}; CPU/eval chains ${seq.chainCpuMs.toFixed(0)} ms, authority ` +
        `${seq.authorityCpuMs.toFixed(1)} ms; load ${seq.load.toFixed(2)}`,
    )
  }
}

// ------------------------------------------------------------------------------------------------
// The warm token: a login with the requirements, then /authz with each gate (answers recorded)

const requirements = passRequirements(chains.contracts)
let warmToken = await login(warmAccount, requirements)
const plainWarmToken = warmToken
for (const id of ['gate4', 'gate10'] as const) {
  const answer = await authz(warmToken, gates[id])
  if (answer.status !== 200) throw new Error(`warm /authz ${id}: ${answer.status} ${answer.body}`)
  warmToken = (JSON.parse(answer.body) as { accessToken: string }).accessToken
}
const warmClaims = decodeJwt(warmToken) as unknown as AccessTokenPayload
if (!warmClaims.gateFacts) throw new Error('the warm token records no gate answers')
const factCount = Object.values(warmClaims.gateFacts).reduce((n, f) => n + Object.keys(f.met).length, 0)
await chainsChild.close() // nothing reads a chain from here on
const compiled: Record<'gate4' | 'gate10', CompiledGate> = {
  gate4: parseGateExpression(gates.gate4, 'gate', fail, { aliases: DEFAULT_CHAIN_ALIASES }),
  gate10: parseGateExpression(gates.gate10, 'gate', fail, { aliases: DEFAULT_CHAIN_ALIASES }),
}

// ------------------------------------------------------------------------------------------------
// 2a. Core: evaluateGate on a token's answers, a fresh claims object per call

const normalized = normalizeRequirements(requirements)
const coreCases = {
  gate4: () => evaluateGate(compiled.gate4, tokenLookup({ ...warmClaims })).met,
  gate10: () => evaluateGate(compiled.gate10, tokenLookup({ ...warmClaims })).met,
  requirements: () => claimsSatisfy({ ...warmClaims }, normalized),
}
type CoreCase = keyof typeof coreCases
for (const [id, run] of Object.entries(coreCases)) {
  if (run() !== true) throw new Error(`core ${id}: the warm token does not prove it`)
}
function opsPerSec(run: () => unknown, ms: number): number {
  let n = 0
  const started = performance.now()
  let now = started
  while (now - started < ms) {
    for (let i = 0; i < 1000; i++) run()
    n += 1000
    now = performance.now()
  }
  return n / ((now - started) / 1000)
}
for (const run of Object.values(coreCases)) opsPerSec(run, 300) // JIT warm-up
const core: Record<CoreCase, number[]> = { gate4: [], gate10: [], requirements: [] }
const coreLoads: number[] = []
for (let round = 0; round < 5; round++) {
  coreLoads.push(load1())
  for (const id of Object.keys(coreCases) as CoreCase[]) core[id].push(opsPerSec(coreCases[id], 300))
}
log(
  `core ops/s (median of 5): ${Object.entries(core)
    .map(([id, v]) => `${id} ${Math.round(median(v))}`)
    .join(', ')}; load ${median(coreLoads).toFixed(2)}`,
)

// ------------------------------------------------------------------------------------------------
// 2b. Warm over HTTP: the plugin's hit path on each kind of route, same token

interface HttpRun {
  reqPerSec: number
  p50: number
  p99: number
  serverCpu: number
  foreignCpu: number
  load: number
}
const serverConfig: EvalServerConfig = {
  baseURL: authority.url,
  secretKey: BENCH_PROJECT.secretKey,
  jwksUrl: `${authority.url}/.well-known/jwks.json`,
  audience: BENCH_PROJECT.id,
  issuer: authority.issuer,
  requirements,
  gate4: gates.gate4,
  gate10: gates.gate10,
}
const http = Object.fromEntries(EVAL_ROUTES.map((r) => [r, [] as HttpRun[]])) as Record<EvalRoute, HttpRun[]>
if (!skip.has('http')) await measureHttp()

async function measureHttp(): Promise<void> {
  const server = await spawnChild<Extract<ChildReady, { port: number }>>('gate-eval-server.ts', {
    env: { BENCH_SERVER_CONFIG: JSON.stringify(serverConfig) },
  })
  const base = `http://127.0.0.1:${server.ready.port}`
  for (const route of EVAL_ROUTES) {
    const ok = await fetch(`${base}/${route}`, { headers: { authorization: `Bearer ${warmToken}` } })
    const body = await ok.text()
    if (ok.status !== 200 || ok.headers.has('picket-access-token')) {
      throw new Error(`/${route}: expected 200 without a new token, got ${ok.status} ${body}`)
    }
  }
  // The gate is really decided: a token without the answers is refused (incremental: false).
  const refused = await fetch(`${base}/gate4`, { headers: { authorization: `Bearer ${plainWarmToken}` } })
  await refused.arrayBuffer()
  if (refused.status !== 403) throw new Error(`/gate4 with a token without answers: ${refused.status}`)

  async function httpRun(route: EvalRoute, duration: number): Promise<HttpRun> {
    const load = load1()
    const serverBefore = await server.cpuMicros()
    const machineBefore = machineBusyMicros()
    const selfBefore = process.cpuUsage()
    const started = process.hrtime.bigint()
    // autocannon's own latency histogram has 1 ms resolution; keep a µs one from its events.
    const latency = createHistogram()
    const instance = autocannon({
      url: `${base}/${route}`,
      connections: settings.connections,
      duration,
      pipelining: 1,
      headers: { authorization: `Bearer ${warmToken}` },
    })
    instance.on('response', (_client, _status, _bytes, ms) =>
      latency.record(Math.max(1, Math.round(ms * 1000))),
    )
    const result = await instance
    const wall = Number(process.hrtime.bigint() - started) / 1000
    const self = process.cpuUsage(selfBefore)
    const machine = machineBusyMicros() - machineBefore
    const serverUsed = (await server.cpuMicros()) - serverBefore
    if (result.errors || result.timeouts || result.non2xx) {
      throw new Error(
        `/${route}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
      )
    }
    return {
      reqPerSec: result.requests.average,
      p50: latency.percentile(50) / 1000,
      p99: latency.percentile(99) / 1000,
      serverCpu: serverUsed / wall,
      foreignCpu: Math.max(0, (machine - serverUsed - self.user - self.system) / wall),
      load,
    }
  }
  for (const route of EVAL_ROUTES) await httpRun(route, settings.httpWarmup)
  for (let round = 0; round < settings.httpRounds; round++) {
    // Rotate the order so a trend in the machine's load hits every route alike.
    const order = EVAL_ROUTES.map((_, i) => EVAL_ROUTES[(i + round) % EVAL_ROUTES.length]!)
    for (const route of order) {
      const m = await httpRun(route, settings.httpSeconds)
      http[route].push(m)
      log(
        `http round ${round + 1} /${route.padEnd(12)} ${m.reqPerSec.toFixed(0).padStart(6)} req/s p99 ${m.p99.toFixed(2)} ms ` +
          `server ${(m.serverCpu * 100).toFixed(0)}% others ${(m.foreignCpu * 100).toFixed(0)}% load ${m.load.toFixed(2)}`,
      )
    }
  }
  await server.close()
}
await authority.close()

// ------------------------------------------------------------------------------------------------
// 3. Hit path A/B: the route gate hook on a cached token, other tree vs this tree (+ control)

type Arm = 'before' | 'after' | 'control'
const abRoutes: EvalRoute[] = ['true', 'requirements']
const ab: Record<string, number[]> = {}
const abLoads: number[] = []
const tsx = resolve(here, '../../node_modules/tsx/dist/esm/index.mjs')
const hitChild = fileURLToPath(new URL('support/gate-eval-hit.ts', import.meta.url))
const measureHit = (tree: string, route: EvalRoute) =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', tsx, hitChild], {
      env: {
        ...process.env,
        GE_TREE: tree,
        GE_ROUTE: route,
        GE_CALLS: String(settings.abCalls),
        GE_CLAIMS: JSON.stringify(warmClaims),
        GE_REQUIREMENTS: JSON.stringify(requirements),
        GE_GATE4: JSON.stringify(gates.gate4),
        GE_GATE10: JSON.stringify(gates.gate10),
      },
      encoding: 'utf8',
    }),
  ) as { fastest: number; median: number }
if (otherTree) {
  const jobs: [Arm, EvalRoute][] = [
    ...abRoutes.flatMap((route) =>
      (['before', 'after', 'control'] as Arm[]).map((arm) => [arm, route] as [Arm, EvalRoute]),
    ),
    ['after', 'gate4'],
    ['after', 'gate10'],
  ]
  for (let round = 0; round < settings.abRounds; round++) {
    abLoads.push(load1())
    // Rotate the order of the arms, so no arm always runs first (or right after another).
    const order = jobs.map((_, i) => jobs[(i + round * 3) % jobs.length]!)
    for (const [arm, route] of order) {
      const ns = measureHit(arm === 'before' ? otherTree : thisTree, route)
      for (const stat of ['fastest', 'median'] as const) {
        const key = `${arm}/${route}/${stat}`
        ab[key] = [...(ab[key] ?? []), ns[stat]]
      }
    }
    log(
      `ab round ${round + 1}: ${Object.entries(ab)
        .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`)
        .join(', ')} ns; load ${abLoads.at(-1)!.toFixed(2)}`,
    )
  }
}

// ------------------------------------------------------------------------------------------------
// Report

const ms1 = (x: number) => x.toFixed(1)
const ms2 = (x: number) => x.toFixed(2)
const int = (x: number) => Math.round(x).toLocaleString('en-US')
const loads = (values: number[]) => values.map((l) => l.toFixed(2)).join(' / ')
const lines: string[] = [
  '<!-- gate-evaluation:begin (generated by bench/gate-evaluation.ts; notes below the end marker are kept) -->',
  '',
  `Run ${startedAt.toISOString()} · Node ${process.version} · ${os.cpus()[0]?.model ?? 'unknown'} ` +
    `(${os.cpus().length} cores) · load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start. ` +
    `Gates: **4** = pass #1–#100 on chain A AND (≥ 500 COIN on chain B OR a 50-wallet allowlist) AND NOT ` +
    'the revoked badge on B; **10** = those plus six more conditions over the same two chains ' +
    '(bench/support/gate-eval-shared.ts). Two ganache 7.9.2 dev chains in one child process.',
  '',
  `**1. Cold** — \`POST /authz { gate }\` over HTTP to the bundled authority, each request for one of ` +
    `${COLD_WALLETS} wallets whose login token records no answer (both chains read every time). ` +
    `${settings.coldRounds} rounds; latency over all rounds' samples (c=1: ${settings.coldCount} per round, so its p99 is about ` +
    `the slowest), CPU per evaluation at c=1 (the chains' child: ganache + counting proxies; the authority's ` +
    `process, which also runs this client), ` +
    `req/s the median of the rounds. RPC HTTP POSTs per evaluation counted by a proxy in front of each chain. ` +
    `Load at the start of each round: ${loads(coldLoads)}.`,
  '',
  `| Gate | c=1 p50 ms | c=1 p99 ms | c=1 req/s | c=${settings.concurrency} req/s | c=${settings.concurrency} p50 ms | c=${settings.concurrency} p99 ms | POSTs/eval chain A | chain B | JSON-RPC calls/eval | CPU ms/eval: chains | authority |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
]
for (const id of skip.has('cold') ? [] : (['gate4', 'gate10'] as const)) {
  const { sequential, concurrent } = cold[id]
  const seqAll = sequential.flatMap((r) => r.latencies)
  const parAll = concurrent.flatMap((r) => r.latencies)
  const evals = sequential.reduce((n, r) => n + r.evaluations, 0)
  const methods: Record<string, number> = {}
  for (const r of sequential)
    for (const [m, c] of Object.entries(r.methodsPerEval))
      methods[m] = (methods[m] ?? 0) + (c * r.evaluations) / evals
  lines.push(
    `| ${GATE_LABEL[id]} | ${ms1(percentile(seqAll, 50))} | ${ms1(percentile(seqAll, 99))} | ` +
      `${ms1(median(sequential.map((r) => r.reqPerSec)))} | ${ms1(median(concurrent.map((r) => r.reqPerSec)))} | ` +
      `${ms1(percentile(parAll, 50))} | ${ms1(percentile(parAll, 99))} | ` +
      `${ms2(median(sequential.map((r) => r.postsPerEval.A)))} | ${ms2(median(sequential.map((r) => r.postsPerEval.B)))} | ` +
      `${Object.entries(methods)
        .map(([m, c]) => `${m} ${c.toFixed(2)}`)
        .join(', ')} | ${ms1(median(sequential.map((r) => r.chainCpuMs)))} | ` +
      `${ms1(median(sequential.map((r) => r.authorityCpuMs)))} |`,
  )
}
const coreRef = median(core.requirements)
lines.push(
  '',
  `**2a. Warm, core** — \`evaluateGate(compiled, tokenLookup(claims))\` on the token that recorded the ` +
    `answers (${factCount} answers in \`gateFacts\`), a fresh claims object per call (no memo); median of 5 × 300 ms, ` +
    `in this process. Load ${loads(coreLoads)}.`,
  '',
  '| Decision | ops/s | µs/op | vs `claimsSatisfy` |',
  '|---|---:|---:|---:|',
  ...(['gate4', 'gate10', 'requirements'] as const).map((id) => {
    const ops = median(core[id])
    const label =
      id === 'requirements' ? '`claimsSatisfy` (the requirements route)' : `gate ${GATE_LABEL[id]}`
    return `| ${label} | ${int(ops)} | ${ms2(1e6 / ops)} | ${(ops / coreRef).toFixed(2)} |`
  }),
)
const ref = http.true
if (!skip.has('http'))
  lines.push(
    '',
    `**2b. Warm, over HTTP** — one Fastify server (fastify-picket, local verify + cache), four routes, the same ` +
      `token (carrying the answers and the pass balance); autocannon ${settings.connections} connections, ` +
      `${settings.httpSeconds} s per run, ${settings.httpRounds} rounds (order rotated), after one ${settings.httpWarmup} s ` +
      'warm-up per route. The gate routes are `incremental: false` (a token that does not prove them is 403; checked). ' +
      'Ratio: req/s of the route over the `true` route in the same round; median of the rounds.',
    '',
    '| Route | req/s | p50 ms | p99 ms | server CPU | others | load per round | ratio vs `true` | per round |',
    '|---|---:|---:|---:|---:|---:|---|---:|---|',
    ...EVAL_ROUTES.map((route) => {
      const runs = http[route]
      const ratios = runs.map((m, i) => m.reqPerSec / ref[i]!.reqPerSec)
      return (
        `| \`${route}\` | ${int(median(runs.map((m) => m.reqPerSec)))} | ${ms2(median(runs.map((m) => m.p50)))} | ` +
        `${ms2(median(runs.map((m) => m.p99)))} | ${Math.round(median(runs.map((m) => m.serverCpu)) * 100)}% | ` +
        `${Math.round(median(runs.map((m) => m.foreignCpu)) * 100)}% | ${loads(runs.map((m) => m.load))} | ` +
        `${median(ratios).toFixed(3)} | ${ratios.map((r) => r.toFixed(2)).join(' / ')} |`
      )
    }),
  )
if (otherTree) {
  const med = (key: string) => median(ab[key]!)
  const perRound = (num: string, den: string) => ab[num]!.map((v, i) => v / ab[den]![i]!)
  const rows = abRoutes.flatMap((route) =>
    (['fastest', 'median'] as const).map((stat) => {
      const key = (arm: Arm) => `${arm}/${route}/${stat}`
      const ba = perRound(key('after'), key('before'))
      const ca = perRound(key('control'), key('after'))
      return (
        `| \`${route}\` | ${stat} batch | ${med(key('before')).toFixed(0)} | ${med(key('after')).toFixed(0)} | ` +
        `${med(key('control')).toFixed(0)} | **${median(ba).toFixed(3)}** | ${ba.map((r) => r.toFixed(2)).join(' / ')} | ` +
        `${median(ca).toFixed(3)} | ${ca.map((r) => r.toFixed(2)).join(' / ')} |`
      )
    }),
  )
  const gateRow = (route: EvalRoute) =>
    `\`${route}\` ${med(`after/${route}/fastest`).toFixed(0)} ns fastest batch / ` +
    `${med(`after/${route}/median`).toFixed(0)} ns median batch ` +
    `(${(med(`after/${route}/fastest`) / med('after/true/fastest')).toFixed(2)}× / ` +
    `${(med(`after/${route}/median`) / med('after/true/median')).toFixed(2)}× the \`true\` route)`
  lines.push(
    '',
    `**3. Hit path A/B** — the route gate hook on a cached token (no HTTP, no Fastify: \`createGate\` + ` +
      `\`createGateHook\` of each tree called directly, as bench/gate-hit-ab.ts), one child process per route and ` +
      `tree (${int(settings.abCalls)} calls in ten batches after 200,000 warm-up; the fastest batch is the least ` +
      `disturbed by other processes, the median batch the typical one), ${settings.abRounds} rounds, order rotated; ` +
      `ns are medians of the rounds, ratios medians of the per-round ratios. **before** = \`${otherTree}\`, ` +
      `**after** = this tree, **control** = this tree again (same vs same: the noise). ` +
      `Load at the start of each round: ${loads(abLoads)}.`,
    '',
    '| Route | statistic | before ns | after ns | control ns | after / before | per round | control / after | per round |',
    '|---|---|---:|---:|---:|---:|---|---:|---|',
    ...rows,
    '',
    `This tree's gate routes on the same footing (the verdict memoised per claims object): ${gateRow('gate4')}; ` +
      `${gateRow('gate10')}.`,
  )
}
lines.push('', '<!-- gate-evaluation:end -->')
const section = lines.join('\n')
process.stdout.write(`${section}\n`)
if (write) {
  writeSection(fileURLToPath(new URL('RESULTS.md', import.meta.url)), section, {
    heading: '## Gate evaluation (issue 15)',
    beginPrefix: '<!-- gate-evaluation:begin',
    endMarker: '<!-- gate-evaluation:end -->',
  })
  log('wrote the Gate evaluation (issue 15) section of bench/RESULTS.md')
}
log(
  `done in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s; load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
