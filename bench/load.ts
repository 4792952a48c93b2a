/**
 * Load test of a gated route (issue 6): autocannon at the highest rate the machine sustains,
 * against a Fastify app gated by fastify-picket (local verification, default verified-token
 * cache), with a mix of valid, invalid and expired tokens. Checks that every answer is the one
 * expected (200 for valid tokens, 401 for the others: zero other errors), reports p50/p99, and
 * compares the server's resident memory after warm-up with its value at the end (the cache is
 * bounded, so it must not grow by more than 10 %; the script exits 1 otherwise). On demand, not part of `npm test`:
 *
 *   npx tsx bench/load.ts                       # 60 s run, writes the "Load" section of RESULTS.md
 *   LOAD_DURATION=10 LOAD_WRITE=0 npx tsx bench/load.ts   # quick look, prints only
 *
 * Environment: LOAD_DURATION (s, default 60), LOAD_WARMUP (s after calibration, default 10),
 * LOAD_CONNECTIONS (skip calibration and use this many), LOAD_CALIBRATE_SECONDS (per level,
 * default 3), LOAD_WRITE=0 (do not touch RESULTS.md).
 *
 * Processes: this script runs autocannon; the server (bundled authority for the JWKS and
 * logins, plus the gated app) runs in a child process started from this same file, so the
 * memory figures are the server's alone.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose'
import { PicketClient } from 'picket-core/client'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { withLowS } from '../packages/core/src/core/bearer-token.js'
import { siweLogin } from '../tools/siwe-login.js'

const PROJECT = {
  id: '5a1f0e4c-2b7d-4c36-9f8e-0d3b6a2c4e91',
  name: 'Load Test',
  publishableKey: 'pk_load',
  secretKey: 'sk_load',
  statement: 'Sign in to Load Test',
  allowedDomains: ['localhost:3000'],
}
const ISSUER = 'http://load.test/api/v1'
const ROUTE = '/members'

interface Ready {
  type: 'ready'
  authorityUrl: string
  appUrl: string
  kid: string
}
interface MemoryReply {
  type: 'memory'
  id: number
  rss: number
  heapUsed: number
}

// ---------------------------------------------------------------------------------------------
// Child: the server under load

async function runServer(): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const { startAuthority } = await import('picket-authority')
  const { default: picket } = await import('fastify-picket')
  const signingKey = JSON.parse(process.env.LOAD_SIGNING_JWK!)
  const authority = await startAuthority({
    port: 0,
    projects: [PROJECT],
    signingKey,
    issuer: ISSUER,
    warn: () => {},
  })
  const app = Fastify()
  await app.register(picket, {
    client: new PicketClient(PROJECT.secretKey, { baseURL: authority.url }),
    verify: { jwks: `${authority.url}/.well-known/jwks.json`, audience: PROJECT.id, issuer: ISSUER },
  })
  app.get(ROUTE, { config: { picket: true } }, async (request) => ({
    wallet: request.picketUser!.walletAddress,
  }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  process.on('message', async (message: { type: string; id?: number; gc?: boolean }) => {
    if (message.type === 'memory') {
      if (message.gc) (globalThis as { gc?: () => void }).gc?.()
      const { rss, heapUsed } = process.memoryUsage()
      process.send!({ type: 'memory', id: message.id ?? -1, rss, heapUsed } satisfies MemoryReply)
    } else if (message.type === 'close') {
      await app.close()
      await authority.close()
      process.exit(0)
    }
  })
  process.send!({
    type: 'ready',
    authorityUrl: authority.url,
    appUrl: `http://127.0.0.1:${port}`,
    kid: authority.jwks.keys[0]!.kid!,
  } satisfies Ready)
}

// ---------------------------------------------------------------------------------------------
// Parent: tokens, autocannon, figures

interface AutocannonRequest {
  method?: string
  path?: string
  headers?: Record<string, string>
  setupRequest?: (request: AutocannonRequest, context: object) => AutocannonRequest
  onResponse?: (status: number, body: string) => void
}
interface Histogram {
  average: number
  p50: number
  p99: number
  max: number
  total: number
}
interface AutocannonResult {
  requests: Histogram
  latency: Histogram
  errors: number
  timeouts: number
  non2xx: number
  statusCodeStats: Record<string, { count: number }>
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; requests: AutocannonRequest[] },
  callback: (error: Error | null, result: AutocannonResult) => void,
) => unknown
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

function startServerProcess(signingJwk: object): Promise<{ child: ChildProcess; ready: Ready }> {
  const file = fileURLToPath(import.meta.url)
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', file, '--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LOAD_SIGNING_JWK: JSON.stringify(signingJwk) },
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)))
    child.once('message', (ready: Ready) => resolve({ child, ready }))
  })
}

let memoryRequests = 0
function memoryOf(child: ChildProcess, gc = false): Promise<MemoryReply> {
  const id = memoryRequests++
  return new Promise((resolve) => {
    const onMessage = (message: MemoryReply) => {
      if (message.type !== 'memory' || message.id !== id) return
      child.off('message', onMessage)
      resolve(message)
    }
    child.on('message', onMessage)
    child.send({ type: 'memory', id, gc })
  })
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

/** Real logins (nonce → SIWE → /auth) against the authority, like a front end. */
async function realLogins(authorityUrl: string, count: number): Promise<string[]> {
  const client = new PicketClient(PROJECT.secretKey, { baseURL: authorityUrl })
  const tokens: string[] = []
  for (let i = 0; i < count; i++) {
    const account = privateKeyToAccount(generatePrivateKey())
    tokens.push((await siweLogin(client, account)).accessToken)
  }
  return tokens
}

interface Pools {
  hot: string[]
  cold: string[]
  invalid: string[]
  expired: string[]
}

/**
 * Token pools. Valid tokens: real logins, plus tokens minted with the authority's own key and
 * claim set (as it would mint them) so there are more distinct valid tokens than the cache
 * holds. Invalid: tampered, foreign key, alg none, truncated, garbage. Expired: the
 * authority's key, `exp` in the past.
 */
async function buildPools(authorityUrl: string, signingJwk: object, kid: string): Promise<Pools> {
  const real = await realLogins(authorityUrl, 200)
  const template = JSON.parse(Buffer.from(real[0]!.split('.')[1]!, 'base64url').toString())
  const key = await importJWK({ ...(signingJwk as object), alg: 'ES256' }, 'ES256')
  const foreign = (await generateKeyPair('ES256')).privateKey
  const now = Math.floor(Date.now() / 1000)
  const mint = (claims: Record<string, unknown>, signer = key) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).sign(signer).then(withLowS)
  const claimsFor = (overrides: Record<string, unknown> = {}) => {
    const walletAddress = privateKeyToAccount(generatePrivateKey()).address
    return {
      ...template,
      walletAddress,
      displayAddress: walletAddress,
      sub: `ethereum:${walletAddress}`,
      tid: randomUUID(),
      iat: now,
      exp: now + 3600,
      ...overrides,
    }
  }
  const cold: string[] = []
  for (let i = 0; i < 20_000; i++) cold.push(await mint(claimsFor()))
  const invalid: string[] = []
  for (let i = 0; i < 2000; i++) {
    const genuine = real[i % real.length]!
    const [h, p, s] = genuine.split('.') as [string, string, string]
    const variant = i % 5
    if (variant === 0) invalid.push(`${h}.${b64(claimsFor())}.${s}`)
    else if (variant === 1) invalid.push(await mint(claimsFor(), foreign))
    else if (variant === 2) invalid.push(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsFor())}.`)
    else if (variant === 3) invalid.push(`${h}.${p}.${s.slice(0, -4 - (i % 7))}`)
    else invalid.push(`eyJ${randomUUID().replaceAll('-', '')}.${randomUUID()}.${randomUUID()}`)
  }
  const expired: string[] = []
  for (let i = 0; i < 2000; i++) expired.push(await mint(claimsFor({ iat: now - 7200, exp: now - 60 - i })))
  return { hot: real, cold, invalid, expired }
}

type TokenClass = keyof Pools
/** 20 requests per cycle: 60 % valid (50 % hot, 10 % cold), 25 % invalid, 15 % expired. */
const PATTERN: TokenClass[] = [
  ...Array<TokenClass>(10).fill('hot'),
  ...Array<TokenClass>(2).fill('cold'),
  ...Array<TokenClass>(5).fill('invalid'),
  ...Array<TokenClass>(3).fill('expired'),
]

interface Tally {
  /** Answers received, by the class of token sent. */
  answered: Record<TokenClass, number>
  /** Answers other than 200 (valid) or 401 (invalid, expired), by class and status. */
  unexpected: Record<string, number>
}

function requestsFor(pools: Pools, tally: Tally): AutocannonRequest[] {
  const cursor: Record<TokenClass, number> = { hot: 0, cold: 0, invalid: 0, expired: 0 }
  return PATTERN.map((kind) => ({
    method: 'GET',
    path: ROUTE,
    setupRequest: (request) => {
      const pool = pools[kind]
      const token = pool[cursor[kind]++ % pool.length]!
      return { ...request, headers: { authorization: `Bearer ${token}` } }
    },
    onResponse: (status) => {
      tally.answered[kind]++
      const expected = kind === 'hot' || kind === 'cold' ? 200 : 401
      if (status !== expected)
        tally.unexpected[`${kind}:${status}`] = (tally.unexpected[`${kind}:${status}`] ?? 0) + 1
    },
  }))
}

function newTally(): Tally {
  return { answered: { hot: 0, cold: 0, invalid: 0, expired: 0 }, unexpected: {} }
}

function run(url: string, connections: number, duration: number, pools: Pools, tally: Tally) {
  return new Promise<AutocannonResult>((resolve, reject) => {
    autocannon({ url, connections, duration, requests: requestsFor(pools, tally) }, (error, result) =>
      error ? reject(error) : resolve(result),
    )
  })
}

function writeLoadSection(markdown: string): void {
  const file = fileURLToPath(new URL('RESULTS.md', import.meta.url))
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    text = '# Benchmark results\n'
  }
  const begin = '<!-- load:begin (generated by bench/load.ts) -->'
  const end = '<!-- load:end -->'
  const block = `${begin}\n\n${markdown.trim()}\n\n${end}`
  const start = text.indexOf(begin)
  const stop = text.indexOf(end)
  if (start !== -1 && stop > start) text = text.slice(0, start) + block + text.slice(stop + end.length)
  else text = `${text.trimEnd()}\n\n## Load\n\n${block}\n`
  writeFileSync(file, text)
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.send({ type: 'close' })
  })
}

async function main(): Promise<void> {
  const duration = envNumber('LOAD_DURATION', 60)
  const warmup = envNumber('LOAD_WARMUP', 15)
  const calibrateSeconds = envNumber('LOAD_CALIBRATE_SECONDS', 3)
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const signingJwk = await exportJWK(privateKey)

  // Calibration on a first server: find the connection count with the most req/s.
  let connections = envNumber('LOAD_CONNECTIONS', 0)
  const calibration: string[] = []
  const first = await startServerProcess(signingJwk)
  let pools: Pools
  try {
    console.log('building token pools…')
    pools = await buildPools(first.ready.authorityUrl, signingJwk, first.ready.kid)
    if (connections === 0) {
      let best = 0
      for (const level of [8, 16, 32, 64, 128]) {
        const result = await run(`${first.ready.appUrl}${ROUTE}`, level, calibrateSeconds, pools, newTally())
        calibration.push(`${level}: ${Math.round(result.requests.average)} req/s`)
        console.log(
          `calibration ${level} connections: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`,
        )
        if (result.requests.average > best * 1.03) {
          best = result.requests.average
          connections = level
        }
      }
    }
  } finally {
    await stopServer(first.child)
  }

  // The measured run on a fresh server (same key and issuer, so the same tokens are valid):
  // warm-up and run under the same load, no buffers left over from calibration levels.
  const { child, ready } = await startServerProcess(signingJwk)
  try {
    const url = `${ready.appUrl}${ROUTE}`
    const startMemory = await memoryOf(child)
    const warmTally = newTally()
    await run(url, connections, warmup, pools, warmTally)
    const afterWarmup = await memoryOf(child)
    const afterWarmupGc = await memoryOf(child, true)
    console.log(
      `warm: RSS ${mib(afterWarmup.rss)} MiB; running ${duration} s with ${connections} connections…`,
    )

    const tally = newTally()
    const samples: number[] = []
    const sampler = setInterval(() => void memoryOf(child).then((m) => samples.push(m.rss)), 5000)
    const loadBefore = os.loadavg()[0]!
    const result = await run(url, connections, duration, pools, tally)
    clearInterval(sampler)
    const atEnd = await memoryOf(child)
    const atEndGc = await memoryOf(child, true)

    // Compared after a full GC at both points: raw RSS also moves with V8 returning (or not yet
    // returning) free pages, which says nothing about what the server holds on to.
    const growth = (atEndGc.rss - afterWarmupGc.rss) / afterWarmupGc.rss
    const rawGrowth = (atEnd.rss - afterWarmup.rss) / afterWarmup.rss
    const heapGrowth = (atEndGc.heapUsed - afterWarmupGc.heapUsed) / afterWarmupGc.heapUsed
    const pct = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`
    const unexpected =
      Object.values(tally.unexpected).reduce((a, b) => a + b, 0) + result.errors + result.timeouts
    const total = result.requests.total
    const expected401 = tally.answered.invalid + tally.answered.expired
    const status = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
    )
    const cpus = os.cpus()
    const markdown = [
      `Run ${new Date().toISOString().slice(0, 10)} on ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; ${duration} s at ${connections} connections (chosen by calibration${calibration.length ? `: ${calibration.join(', ')}` : ': fixed by LOAD_CONNECTIONS'}), on a fresh server warmed up for ${warmup} s at that level. Load average at start: ${loadBefore.toFixed(2)}. autocannon and the server share the machine.`,
      '',
      `Route: \`GET ${ROUTE}\` with \`config.picket: true\`, local verification (JWKS, ES256), default verified-token cache (max 10 000, ttl 5 min). Per 20 requests: 10 from 200 hot valid tokens (real logins), 2 from 20 000 cold valid tokens (more than the cache holds, so it churns), 5 invalid (tampered payload, foreign key, \`alg: none\`, truncated, garbage) and 3 expired.`,
      '',
      '| figure | value |',
      '| --- | ---: |',
      `| requests | ${total} |`,
      `| throughput (mean) | ${Math.round(result.requests.average)} req/s |`,
      `| latency p50 / p99 / max | ${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms |`,
      `| answers by status | ${Object.entries(status)
        .map(([code, n]) => `${code}: ${n}`)
        .join(', ')} |`,
      `| expected 401s (answers to invalid + expired tokens) | ${expected401} |`,
      `| unexpected answers (not 200 for valid, not 401 for invalid/expired) + errors + timeouts | ${unexpected} |`,
      `| **server RSS after GC: after warm-up → end** | **${mib(afterWarmupGc.rss)} → ${mib(atEndGc.rss)} MiB (${pct(growth)})** |`,
      `| server RSS without GC: after warm-up → end | ${mib(afterWarmup.rss)} → ${mib(atEnd.rss)} MiB (${pct(rawGrowth)}) |`,
      `| RSS min / max sampled every 5 s during the run | ${mib(Math.min(...samples))} / ${mib(Math.max(...samples))} MiB |`,
      `| heap used after GC: after warm-up → end | ${mib(afterWarmupGc.heapUsed)} → ${mib(atEndGc.heapUsed)} MiB (${pct(heapGrowth)}) |`,
      `| server RSS before any load | ${mib(startMemory.rss)} MiB |`,
      '',
      `Verdict: ${unexpected === 0 ? 'zero errors other than the expected 401s' : `${unexpected} unexpected answers: ${JSON.stringify(tally.unexpected)}`}; resident memory at the end ${growth <= 0.1 ? `${growth <= 0 ? 'at or below' : 'within 10 % above'}` : 'MORE than 10 % above'} its value after warm-up (RSS ${pct(growth)}, heap after GC ${pct(heapGrowth)}): the verified-token cache and everything else stay bounded under churn.`,
    ].join('\n')
    console.log(`\n${markdown}\n`)
    if (process.env.LOAD_WRITE !== '0') {
      writeLoadSection(markdown)
      console.log('wrote the Load section of bench/RESULTS.md')
    }
    process.exitCode = unexpected === 0 && growth <= 0.1 ? 0 : 1
  } finally {
    await stopServer(child)
  }
}

if (process.argv.includes('--server')) await runServer()
else await main()
