/**
 * Authority throughput (issue 3): requests/s of `POST /auth/nonce` and `POST /auth` against the
 * bundled authority, with the in-memory nonce store and (when `redis-server` is installed) the
 * Redis store. Writes the "Authority" section of bench/RESULTS.md (between its markers).
 *
 *   npx tsx bench/authority-throughput.ts
 *
 * Environment: BENCH_DURATION (s for auth/nonce, default 10), BENCH_CONNECTIONS (default 10),
 * BENCH_AUTH_REQUESTS (signed logins per store, default 5000), BENCH_WRITE=0 (print only).
 *
 * The authority runs as the CLI in its own process (`--config`), so autocannon and the wallets
 * signing in this process do not share its event loop. Every `auth` request is a distinct
 * wallet (fresh viem key) with its own nonce and a real SIWE signature, prepared before the
 * run; autocannon sends each exactly once, so every 200 is a real login that minted a token.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { createSigningMessage } from 'picket-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { generateSigningJwk } from '../packages/authority/src/tokens/signing-key.js'
import { startRedisServer } from '../test/support/redis-server.js'

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const settings = {
  duration: envNumber('BENCH_DURATION', 10),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  authRequests: envNumber('BENCH_AUTH_REQUESTS', 5000),
}
const log = (line: string) => process.stderr.write(`${line}\n`)
const CLI = fileURLToPath(new URL('../packages/authority/src/cli.ts', import.meta.url))
const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url))
const RESULTS = fileURLToPath(new URL('RESULTS.md', import.meta.url))
const PROJECT = {
  id: 'bench',
  publishableKey: 'pk_bench',
  secretKey: 'sk_bench',
  statement: 'Sign in to Bench',
}
const AUTH_HEADER = `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`
const HEADERS = { authorization: AUTH_HEADER, 'content-type': 'application/json' }

interface Row {
  store: string
  endpoint: string
  requests: number
  rps: number
  p50: number
  p99: number
  non2xx: number
}

async function startAuthorityProcess(redisUrl?: string): Promise<{ url: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'picket-bench-'))
  const config = join(dir, 'config.json')
  // A long nonce TTL so that nonces prepared before the auth run are still alive during it.
  writeFileSync(
    config,
    JSON.stringify({ projects: [PROJECT], signingKey: await generateSigningJwk(), nonceTTL: 900, redisUrl }),
  )
  const child = spawn(process.execPath, ['--import', TSX, CLI, '--config', config, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`authority exited with ${code}`)))
  })
  return { url: line.replace('Picket authority listening on ', ''), child }
}

function randomAddress(): string {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`
}

/** Signed `/auth` bodies for fresh wallets, each with its own live nonce. */
async function prepareLogins(url: string, count: number): Promise<string[]> {
  const bodies: string[] = []
  const batch = 50
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    const prepared = await Promise.all(
      Array.from({ length: size }, async () => {
        const account = privateKeyToAccount(generatePrivateKey())
        const res = await fetch(`${url}/auth/nonce`, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify({ chain: 'ethereum', walletAddress: account.address }),
        })
        const { nonce, statement, format } = (await res.json()) as {
          nonce: string
          statement: string
          format: 'siwe'
        }
        const context = {
          domain: 'localhost:3000',
          uri: 'http://localhost:3000',
          issuedAt: new Date().toISOString(),
          chainId: 1,
          chainType: 'ethereum',
          locale: 'en-US',
        }
        const message = createSigningMessage({
          format,
          statement,
          walletAddress: account.address,
          nonce,
          ...context,
        })
        const signature = await account.signMessage({ message })
        return JSON.stringify({
          chain: 'ethereum',
          walletAddress: account.address,
          signature,
          requirements: {},
          context,
        })
      }),
    )
    bodies.push(...prepared)
  }
  return bodies
}

type Options = Parameters<typeof autocannon>[0]

async function run(options: Record<string, unknown>): Promise<Awaited<ReturnType<typeof autocannon>>> {
  // bench/support/autocannon.d.ts types only part of the options; `requests`/`amount` are autocannon 9 API.
  return autocannon(options as unknown as Options)
}

async function measureStore(store: string, redisUrl?: string): Promise<Row[]> {
  const { url, child } = await startAuthorityProcess(redisUrl)
  const rows: Row[] = []
  try {
    // auth/nonce: distinct wallets (a new nonce each, then the same nonce on re-requests as the pool cycles).
    const addresses = Array.from({ length: 20_000 }, randomAddress)
    let next = 0
    const nonceRequest = {
      method: 'POST',
      setupRequest: (request: Record<string, unknown>) => ({
        ...request,
        body: JSON.stringify({ chain: 'ethereum', walletAddress: addresses[next++ % addresses.length] }),
      }),
    }
    await run({
      url: `${url}/auth/nonce`,
      connections: settings.connections,
      duration: 2,
      headers: HEADERS,
      requests: [nonceRequest],
    })
    const nonce = await run({
      url: `${url}/auth/nonce`,
      connections: settings.connections,
      duration: settings.duration,
      headers: HEADERS,
      requests: [nonceRequest],
    })
    rows.push(toRow(store, 'POST /auth/nonce', nonce))

    log(`${store}: preparing ${settings.authRequests} signed logins…`)
    const warmup = await prepareLogins(url, 500)
    const bodies = await prepareLogins(url, settings.authRequests)
    for (const [list, record] of [
      [warmup, false],
      [bodies, true],
    ] as const) {
      let index = 0
      const result = await run({
        url: `${url}/auth`,
        connections: settings.connections,
        amount: list.length,
        headers: HEADERS,
        requests: [
          {
            method: 'POST',
            setupRequest: (request: Record<string, unknown>) => ({ ...request, body: list[index++] }),
          },
        ],
      })
      if (record) rows.push(toRow(store, 'POST /auth (fresh wallet + SIWE signature)', result))
    }
  } finally {
    child.kill('SIGTERM')
  }
  return rows
}

function toRow(store: string, endpoint: string, result: Awaited<ReturnType<typeof autocannon>>): Row {
  const total = result['2xx'] + result.non2xx
  return {
    store,
    endpoint,
    requests: total,
    rps: Math.round(total / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  }
}

function renderTable(rows: Row[]): string {
  const lines = [
    '| store | endpoint | requests | req/s | p50 ms | p99 ms | non-2xx |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${r.store} | ${r.endpoint} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} |`,
    ),
  ]
  return lines.join('\n')
}

const BEGIN = '<!-- authority:begin (generated by bench/authority-throughput.ts) -->'
const END = '<!-- authority:end -->'

function writeResults(table: string): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const block = [
    BEGIN,
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${cpu}, Node ${process.version}; ` +
      `${settings.connections} connections; auth/nonce for ${settings.duration} s over 20 000 distinct wallets; ` +
      `auth: ${settings.authRequests} distinct pre-signed SIWE logins, each sent once (every 200 minted an ES256 token).`,
    '',
    table,
    '',
    END,
  ].join('\n')
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const begin = current.indexOf(BEGIN.slice(0, 20))
  const end = current.indexOf(END)
  const next =
    begin !== -1 && end > begin
      ? current.slice(0, begin) + block + current.slice(end + END.length)
      : `${current.replace(/\n*$/, '\n')}\n## Authority\n\n${block}\n`
  writeFileSync(RESULTS, next)
}

const rows = await measureStore('memory')
let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined
try {
  redis = await startRedisServer()
} catch (error) {
  log(`skipping the Redis store: ${(error as Error).message}`)
}
if (redis) {
  try {
    rows.push(...(await measureStore('redis', redis.url)))
  } finally {
    await redis.stop()
  }
}
const table = renderTable(rows)
process.stdout.write(`${table}\n`)
if (process.env.BENCH_WRITE !== '0') writeResults(table)
