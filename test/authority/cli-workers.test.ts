import { spawn } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createSigningMessage } from 'picket-core'
import t from 'tap'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startRedisServer } from '../support/redis-server.js'
import { SOURCE_NODE_ARGS } from '../support/source-process.js'

/**
 * `picket-authority --workers N` (issue 14): a real CLI with two node:cluster workers on one port
 * and a real redis-server. Logins are served by both workers, a nonce is single-use across them,
 * a killed worker is replaced, and SIGTERM leaves no process behind.
 */
const CLI = resolve(import.meta.dirname, '../../packages/authority/src/cli.ts')
const PROJECT = { id: 'workers', publishableKey: 'pk_w', secretKey: 'sk_w', format: 'simple' }
const AUTH = `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`

function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, CLI, ...args], {
    cwd,
    env: { ...process.env, PICKET_AUTHORITY_CONFIG: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const firstLine = new Promise<string>((resolveLine, reject) => {
    createInterface({ input: child.stdout }).once('line', resolveLine)
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  firstLine.catch(() => {})
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit))
  return { child, firstLine, exited, stderr: () => stderr }
}

/** One request on a connection of its own, so the cluster's round robin spreads them. */
function call(
  url: string,
  method: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
): Promise<{ status: number; body: any; text: string }> {
  return new Promise((resolveCall, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          authorization: AUTH,
          connection: 'close',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => {
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolveCall({ status: res.statusCode!, body: parsed, text })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function signedLogin(url: string) {
  const account = privateKeyToAccount(generatePrivateKey())
  const nonce = await call(`${url}/auth/nonce`, 'POST', { chain: 'ethereum', walletAddress: account.address })
  const { statement } = nonce.body as { statement: string }
  const message = createSigningMessage({
    format: 'simple',
    statement,
    walletAddress: account.address,
    nonce: nonce.body.nonce,
  })
  return {
    chain: 'ethereum',
    walletAddress: account.address,
    signature: await account.signMessage({ message }),
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('more than one worker without Redis is refused at start, naming the fix', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-workers-'))
  const file = join(cwd, 'config.json')
  await writeFile(file, JSON.stringify({ projects: [PROJECT] }))
  const run = runCli(['--config', file, '--port', '0', '--workers', '2'], cwd)
  t.equal(await run.exited, 1)
  t.match(run.stderr(), /--workers 2 asks for 2 workers, which needs Redis/)
  t.match(run.stderr(), /REDIS_URL=redis:/)
  t.match(run.stderr(), /once per worker/)

  const fromConfig = join(cwd, 'auto.json')
  await writeFile(fromConfig, JSON.stringify({ projects: [PROJECT], workers: 3 }))
  const again = runCli(['--config', fromConfig, '--port', '0'], cwd)
  t.equal(await again.exited, 1)
  t.match(again.stderr(), /the config's workers asks for 3 workers, which needs Redis/)

  const bad = runCli(['--config', file, '--port', '0', '--workers', 'many'], cwd)
  t.equal(await bad.exited, 1)
  t.match(bad.stderr(), /--workers must be an integer from 1 to 256 or 'auto'/)
})

t.test('two workers on one port, nonces in Redis', async (t) => {
  const redis = await startRedisServer()
  t.teardown(() => redis.stop())
  const cwd = await mkdtemp(join(tmpdir(), 'picket-workers-'))
  const file = join(cwd, 'config.json')
  await writeFile(file, JSON.stringify({ projects: [PROJECT], redisUrl: redis.url }))
  const run = runCli(['--config', file, '--port', '0', '--workers', '2'], cwd)
  t.teardown(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL')
  })
  const line = await run.firstLine
  const url = line.replace('Picket authority listening on ', '')
  t.match(run.stderr(), /EOA signatures: /, 'the startup report names the signature backend')
  const pids = /Workers: +2 processes \(node:cluster, pids (\d+), (\d+)\)/.exec(run.stderr())
  t.ok(pids, 'the report names the two workers')
  const workerPids = [Number(pids![1]), Number(pids![2])]

  await t.test('logins are served by both workers', async (t) => {
    const logins = 12
    // Nonces first, then the logins: alternating connections would otherwise send every
    // nonce request to one worker and every login to the other.
    const bodies = []
    for (let i = 0; i < logins; i++) bodies.push(await signedLogin(url))
    for (const [i, body] of bodies.entries()) {
      t.equal((await call(`${url}/auth`, 'POST', body)).status, 200, `login ${i}`)
    }
    // Each worker counts its own logins: a count strictly between 0 and all of them means both served.
    const metrics = await call(`${url}/metrics`, 'GET')
    const served = metrics.text
      .split('\n')
      .filter((row) => row.startsWith('picket_authority_logins_total{') && row.includes('outcome="success"'))
      .reduce((sum, row) => sum + Number(row.split(' ').pop()), 0)
    t.ok(served > 0 && served < logins, `one worker served ${served} of ${logins} logins, the other the rest`)
  })

  await t.test('a nonce is single-use across workers', async (t) => {
    for (let i = 0; i < 4; i++) {
      const body = await signedLogin(url)
      // Concurrent on separate connections: the round robin hands them to both workers.
      const answers = await Promise.all([0, 1, 2, 3].map(() => call(`${url}/auth`, 'POST', body)))
      t.same(answers.map((a) => a.status).sort(), [200, 401, 401, 401], `round ${i}: exactly one login`)
      const again = await call(`${url}/auth`, 'POST', body)
      t.equal(again.status, 401)
    }
  })

  await t.test('a killed worker is replaced, logged', async (t) => {
    process.kill(workerPids[0]!, 'SIGKILL')
    const deadline = Date.now() + 60_000
    while (!/listening again/.test(run.stderr()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
    }
    t.match(
      run.stderr(),
      new RegExp(`worker ${workerPids[0]} exited with signal SIGKILL; starting another in \\d+ ms`),
    )
    t.match(run.stderr(), /listening again/)
    for (let i = 0; i < 4; i++)
      t.equal((await call(`${url}/auth`, 'POST', await signedLogin(url))).status, 200)
  })

  await t.test('SIGTERM stops the primary and every worker', async (t) => {
    const live = [...run.stderr().matchAll(/worker (\d+) listening again/g)].map((m) => Number(m[1]))
    run.child.kill('SIGTERM')
    t.equal(await run.exited, 0)
    for (const pid of [...workerPids, ...live]) t.notOk(alive(pid), `worker ${pid} is gone`)
    await t.rejects(call(`${url}/auth/nonce`, 'POST', {}), 'nothing holds the port')
  })
})
