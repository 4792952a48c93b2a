import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashMessage, hexToBytes, recoverAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  loadBackend,
  recoverEvmAddress,
  type Secp256k1BackendName,
} from '../packages/authority/src/signatures/secp256k1-backends.js'
import { startRedisServer } from '../test/support/redis-server.js'
import {
  BENCH_CLI_HEADERS,
  envNumber,
  prepareSignedLogins,
  startAuthorityCli,
  stopAuthorityCli,
} from './support/authority-cli.js'
import { median } from './support/report.js'

const settings = {
  logins: envNumber('BENCH_LOGINS', 3000),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  rounds: envNumber('BENCH_ROUNDS', 2),
  warmup: 300,
}
const log = (line: string) => process.stderr.write(`${line}\n`)
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const RESULTS = here('RESULTS.md')
const BEFORE_TREE = process.env.BEFORE_TREE ?? '/tmp/before'
interface Variant {
  key: string
  label: string
  /** The source tree whose CLI runs. */
  tree: string
  workers: number
  redis: boolean
  /** `signatureBackend` (absent in the tree before issue 14, which always used viem/noble). */
  backend?: Secp256k1BackendName
  /** The recovery whose tight-loop limit this variant is compared with. */
  limitOf: 'viem' | Secp256k1BackendName
}

const cores = os.availableParallelism()
const ALL_VARIANTS: Variant[] = [
  {
    key: 'before',
    label: 'before (1de4e2b, viem recoverAddress)',
    tree: BEFORE_TREE,
    workers: 1,
    redis: false,
    limitOf: 'viem',
  },
  {
    key: 'noble',
    label: 'after, signatureBackend noble',
    tree: here('..'),
    workers: 1,
    redis: false,
    backend: 'noble',
    limitOf: 'noble',
  },
  {
    key: 'wasm',
    label: 'after, signatureBackend wasm',
    tree: here('..'),
    workers: 1,
    redis: false,
    backend: 'wasm',
    limitOf: 'wasm',
  },
  {
    key: 'native',
    label: 'after, native (auto)',
    tree: here('..'),
    workers: 1,
    redis: false,
    limitOf: 'native',
  },
  {
    key: 'native-redis',
    label: 'after, native, Redis',
    tree: here('..'),
    workers: 1,
    redis: true,
    limitOf: 'native',
  },
  {
    key: 'native-cluster',
    label: `after, native, Redis, --workers ${cores}`,
    tree: here('..'),
    workers: cores,
    redis: true,
    limitOf: 'native',
  },
]
const VARIANTS = ALL_VARIANTS.filter(
  (variant) => variant.key !== 'before' || existsSync(join(variant.tree, 'packages/authority/src/cli.ts')),
).filter(
  (variant) => !process.env.BENCH_VARIANTS || process.env.BENCH_VARIANTS.split(',').includes(variant.key),
)

/** The variant's CLI: its tree, its backend, its store and its number of workers. */
async function startCli(variant: Variant, redisUrl: string | undefined) {
  const cli = await startAuthorityCli({
    tree: variant.tree,
    workers: variant.workers,
    stderr: 'capture',
    label: variant.key,
    config: {
      // One client sends every login: the per-IP limit would refuse most of them.
      rateLimit: false,
      ...(variant.redis ? { redisUrl } : {}),
      ...(variant.backend ? { signatureBackend: variant.backend } : {}),
    },
  })
  const backendLine =
    /EOA signatures: .*/.exec(cli.stderr())?.[0] ?? 'EOA signatures: viem recoverAddress (before)'
  return { ...cli, backendLine }
}

/**
 * Sends every body once over `connections` keep-alive connections, each connection one request
 * at a time, and times the whole with performance.now(). (autocannon's `amount` mode ends on its
 * one-second ticker, which at these rates is a large share of a run.)
 */
async function sendAll(url: string, bodies: string[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: settings.connections })
  const target = new URL(`${url}/auth`)
  const latencies: number[] = []
  let non2xx = 0
  let next = 0
  const one = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...BENCH_CLI_HEADERS, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  const start = performance.now()
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const sent = performance.now()
        const status = await one(body)
        latencies.push(performance.now() - sent)
        if (status < 200 || status > 299) non2xx++
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  agent.destroy()
  latencies.sort((x, y) => x - y)
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10
  return { total: bodies.length, seconds, p50: at(0.5), p99: at(0.99), non2xx }
}

/** Recoveries per second of one recovery implementation, one thread, tight loop (0.6 s). */
async function recoveryLimit(which: Variant['limitOf']): Promise<number> {
  const account = privateKeyToAccount(generatePrivateKey())
  const message = 'recovery limit'
  const signature = await account.signMessage({ message })
  const hash = hashMessage(message)
  if (which === 'viem') {
    for (let i = 0; i < 50; i++) await recoverAddress({ hash, signature })
    let n = 0
    const start = performance.now()
    while (performance.now() - start < 600) {
      await recoverAddress({ hash, signature })
      n++
    }
    return (n / (performance.now() - start)) * 1000
  }
  const backend = await loadBackend(which)
  const hashBytes = hexToBytes(hash)
  const signatureBytes = hexToBytes(signature)
  for (let i = 0; i < 200; i++) recoverEvmAddress(backend, hashBytes, signatureBytes)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < 600) {
    for (let i = 0; i < 20; i++) recoverEvmAddress(backend, hashBytes, signatureBytes)
    n += 20
  }
  return (n / (performance.now() - start)) * 1000
}

interface Run {
  variant: string
  round: number
  loginsPerSecond: number
  p50: number
  p99: number
  non2xx: number
  /** The recovery's tight-loop limit, measured right after this run. */
  limit: number
  backendLine: string
}

const redis = await startRedisServer()
const runs: Run[] = []
const loadAtStart = os.loadavg()[0]!
try {
  for (let round = 1; round <= settings.rounds; round++) {
    const order = round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()
    for (const variant of order) {
      const cli = await startCli(variant, redis.url)
      try {
        log(`round ${round}, ${variant.key}: preparing ${settings.warmup + settings.logins} signed logins…`)
        const warmup = await prepareSignedLogins(cli.url, settings.warmup)
        const bodies = await prepareSignedLogins(cli.url, settings.logins)
        await sendAll(cli.url, warmup)
        const result = await sendAll(cli.url, bodies)
        const limit = await recoveryLimit(variant.limitOf)
        const run: Run = {
          variant: variant.key,
          round,
          loginsPerSecond: result.total / result.seconds,
          p50: result.p50,
          p99: result.p99,
          non2xx: result.non2xx,
          limit,
          backendLine: cli.backendLine,
        }
        runs.push(run)
        log(
          `  ${Math.round(run.loginsPerSecond)} logins/s (non-2xx ${run.non2xx}), recovery limit ${Math.round(limit)}/s, ratio ${(run.loginsPerSecond / limit).toFixed(3)}`,
        )
      } finally {
        await stopAuthorityCli(cli.child)
      }
    }
  }
} finally {
  await redis.stop()
}

const byVariant = (key: string) => runs.filter((run) => run.variant === key)
const perRound = (key: string) =>
  byVariant(key)
    .sort((a, b) => a.round - b.round)
    .map((run) => Math.round(run.loginsPerSecond))
    .join(' / ')
/** Per-round ratio of two variants' logins/s (same round, so the same machine state), then the median. */
function ratio(a: string, b: string): { median: number; rounds: string } | undefined {
  const values: number[] = []
  for (let round = 1; round <= settings.rounds; round++) {
    const x = runs.find((run) => run.variant === a && run.round === round)
    const y = runs.find((run) => run.variant === b && run.round === round)
    if (x && y) values.push(x.loginsPerSecond / y.loginsPerSecond)
  }
  if (values.length === 0) return undefined
  return { median: median(values), rounds: values.map((v) => v.toFixed(2)).join(' / ') }
}

const rows = VARIANTS.map((variant) => {
  const list = byVariant(variant.key)
  const lps = median(list.map((run) => run.loginsPerSecond))
  const limit = median(list.map((run) => run.limit))
  const limitName = variant.limitOf === 'viem' ? 'viem recoverAddress' : variant.limitOf
  return `| ${variant.label} | ${variant.workers} | ${Math.round(lps)} | ${perRound(variant.key)} | ${median(list.map((r) => r.p50)).toFixed(1)} | ${median(list.map((r) => r.p99)).toFixed(1)} | ${list.reduce((sum, r) => sum + r.non2xx, 0)} | ${Math.round(limit)} (${limitName}) | ${(lps / limit).toFixed(3)} |`
})
const table = [
  '| variant | processes | logins/s (median) | per round | p50 ms | p99 ms | non-2xx | recovery limit /s, one thread | logins/s ÷ limit |',
  '|---|---:|---:|---|---:|---:|---:|---|---:|',
  ...rows,
].join('\n')
const ratios = [
  ['native (auto), 1 process vs before', 'native', 'before'],
  ['native (auto), 1 process vs signatureBackend noble', 'native', 'noble'],
  ['wasm vs before', 'wasm', 'before'],
  [`--workers ${cores} (Redis) vs 1 process (Redis)`, 'native-cluster', 'native-redis'],
  [`--workers ${cores} (Redis) vs before`, 'native-cluster', 'before'],
]
  .map(([label, a, b]) => {
    const r = ratio(a!, b!)
    return r ? `| ${label} | ${r.median.toFixed(2)} | ${r.rounds} |` : undefined
  })
  .filter(Boolean)
const ratioTable = ['| ratio of logins/s | median | per round |', '|---|---:|---|', ...ratios].join('\n')
const backendLines = [...new Set(runs.map((run) => run.backendLine))].map((line) => `\`${line}\``).join(', ')
const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
const block = [
  '<!-- login-throughput:begin (generated by bench/login-throughput.ts) -->',
  '',
  `Run ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, Node ${process.version}, load average ${loadAtStart.toFixed(2)} at start; ` +
    `${settings.rounds} rounds (every variant once per round, order reversed every other round), ${settings.connections} connections, ` +
    `${settings.logins} timed logins per run after ${settings.warmup} warm-up logins, each a fresh wallet with its own nonce and SIWE signature, sent once; ` +
    'the recovery limit is a tight loop in the bench process right after each run. Startup lines seen: ' +
    `${backendLines}.`,
  '',
  table,
  '',
  ratioTable,
  '',
  '<!-- login-throughput:end -->',
].join('\n')
process.stdout.write(`${block}\n`)
if (process.env.BENCH_WRITE !== '0') {
  const current = readFileSync(RESULTS, 'utf8')
  const begin = current.indexOf('<!-- login-throughput:begin')
  const end = current.indexOf('<!-- login-throughput:end -->')
  const next =
    begin !== -1 && end > begin
      ? current.slice(0, begin) + block + current.slice(end + '<!-- login-throughput:end -->'.length)
      : current.replace('\n## Load\n', `\n## Login throughput (issue 14)\n\n${block}\n\n## Load\n`)
  writeFileSync(RESULTS, next)
}
