/**
 * The gate's cache-hit path, A/B: the route gate hook of two source trees (e.g. the last landed
 * commit in a `git worktree` and this checkout), each called directly on a request whose token
 * is in the verified-token cache, in alternating child processes. No HTTP and no Fastify
 * around it, so the machine's noise (±40 % on whole-request benchmarks here) does not drown a
 * few hundred nanoseconds: what it measures is exactly the work the gate adds per cached request.
 *
 *   git worktree add /tmp/picket-before <commit> && ln -s "$PWD/node_modules" /tmp/picket-before/
 *   npx tsx bench/gate-hit-ab.ts /tmp/picket-before .
 *
 * Each argument is a repository root: its `src/fastify/gate.ts` and its
 * `packages/core/src/core/verified-token-cache.ts` (and what those import by relative path)
 * are measured; what they import by package name resolves to this checkout's packages.
 *
 * Environment: AB_ROUNDS (default 6), AB_CALLS (per round and tree, default 2,000,000).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)

if (process.env.AB_CHILD) {
  await measure(process.env.AB_CHILD, Number(process.env.AB_CALLS))
} else {
  const [before = '', after = ''] = process.argv.slice(2)
  if (!before || !after)
    throw new Error('usage: gate-hit-ab.ts <repository root of A> <repository root of B>')
  const rounds = Number(process.env.AB_ROUNDS ?? 6)
  const calls = Number(process.env.AB_CALLS ?? 2_000_000)
  const results: Record<'A' | 'B', number[]> = { A: [], B: [] }
  const tsx = resolve(here, '../../node_modules/tsx/dist/esm/index.mjs')
  const run = (src: string) =>
    Number(
      execFileSync(process.execPath, ['--import', tsx, here], {
        env: { ...process.env, AB_CHILD: resolve(src), AB_CALLS: String(calls) },
        encoding: 'utf8',
      }).trim(),
    )
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so a trend in the machine's load hits both alike.
    const order: ('A' | 'B')[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A']
    for (const which of order) results[which].push(run(which === 'A' ? before : after))
    process.stderr.write(
      `round ${round + 1}: A ${results.A.at(-1)!.toFixed(0)} ns, B ${results.B.at(-1)!.toFixed(0)} ns\n`,
    )
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const ratios = results.A.map((a, i) => results.B[i]! / a)
  process.stdout.write(
    `${JSON.stringify(
      {
        A: { src: before, nsPerCall: median(results.A), rounds: results.A.map(Math.round) },
        B: { src: after, nsPerCall: median(results.B), rounds: results.B.map(Math.round) },
        ratioBOverA: Number(median(ratios).toFixed(3)),
        perRound: ratios.map((r) => Number(r.toFixed(3))),
      },
      null,
      2,
    )}\n`,
  )
}

/** ns per call of the route gate hook (any signed-in wallet) on a cached token, in this process. */
async function measure(src: string, calls: number): Promise<void> {
  const { createGateHook } = await import(`${src}/src/fastify/gate.ts`)
  const { VerifiedTokenCache } = await import(`${src}/packages/core/src/core/verified-token-cache.ts`)
  const now = Math.floor(Date.now() / 1000)
  const wallet = '0x8ba1f109551bD432803012645Ac136ddd64DBA72'
  const token = `${'e'.repeat(36)}.${'p'.repeat(700)}.${'s'.repeat(86)}`
  const claims = {
    chain: 'ethereum',
    walletAddress: wallet,
    displayAddress: wallet,
    tokenBalances: {},
    iat: now,
    exp: now + 43_200,
    iss: 'http://picket.bench/api/v1',
    sub: `ethereum:${wallet}`,
    aud: 'bench',
    tid: 't',
    ver: 1,
  }
  const cache = new VerifiedTokenCache({ max: 10_000, ttl: 300_000 })
  await cache.get(token, async () => claims)
  const options = {
    realm: 'picket',
    incremental: false,
    cookie: undefined,
    isRevoked: undefined,
    extractToken: undefined,
    floor: undefined,
    chain: 'ethereum',
  }
  const context = {
    options,
    verify: async () => claims,
    peek: (t: string) => cache.peek(t),
    // Trees with the per-connection memo look entries up by key.
    peekKey: (k: string) => cache.peekKey(k),
    lastHits: new WeakMap(),
    authorizer: {},
  }
  const resolved = {
    requirements: Object.freeze({}),
    chain: 'ethereum',
    optional: false,
    revalidate: false,
    incremental: undefined,
  }
  // Trees from issue 12 on build the gate in picket-core/server and wrap it in the Fastify hook.
  const shared = `${src}/packages/core/src/server/gate.ts`
  const hook = existsSync(shared)
    ? createGateHook((await import(shared)).createGate(context, resolved))
    : createGateHook(context, resolved)
  const authorization = `Bearer ${token}`
  const request = {
    headers: { authorization },
    raw: { socket: {}, rawHeaders: ['Host', '127.0.0.1', 'Authorization', authorization, 'Accept', '*/*'] },
    picketToken: null as string | null,
    picketUser: null as unknown,
  }
  const reply = {}
  let passed = 0
  const done = (error?: Error) => {
    if (error) throw error
    passed++
  }
  for (let i = 0; i < 100_000; i++) hook(request, reply, done)
  const started = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) hook(request, reply, done)
  const ns = Number(process.hrtime.bigint() - started) / calls
  if (passed !== calls + 100_000 || request.picketUser !== claims)
    throw new Error('the gate did not pass synchronously')
  process.stdout.write(`${ns}\n`)
}
