/**
 * A real `redis-server` on a free loopback port, for tests of Redis-backed stores. It can be
 * stopped and started again on the same port, to watch clients fail closed while it is down and
 * recover once it is back. Persistence is off (`--save '' --appendonly no`) so nothing is written
 * to disk. CI installs the binary (`.ci/run`); locally: `apt-get install -y redis-server`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly running: boolean
  /** Starts it again (on the same port) after `stop()`; a no-op while it runs. */
  start(): Promise<void>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('redis-server is not installed (apt-get install -y redis-server)')
          : error,
      )
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}:\n${output}`))
    })
  })
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined = await spawnRedis(port)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== undefined
    },
    async start() {
      if (child) return
      child = await spawnRedis(port)
    },
    async stop() {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null || running.signalCode !== null) return
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve())
        running.kill('SIGTERM')
      })
    },
  }
}

/**
 * An app's own ioredis client for `server`, set up as docs/scaling.md advises (one retry, a
 * command timeout: a check never queues while Redis is down), closed at the test's teardown.
 */
export function appRedisClient(
  server: RedisServer,
  t: { teardown(fn: () => unknown): void },
  timeout = 1000,
): Redis {
  const client = new Redis(server.url, {
    maxRetriesPerRequest: 1,
    commandTimeout: timeout,
    connectTimeout: Math.max(timeout, 1000),
    enableAutoPipelining: true,
  })
  // Without a listener ioredis reports each reconnect attempt while Redis is down as an error.
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  return client
}
