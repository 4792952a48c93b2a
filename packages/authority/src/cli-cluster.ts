import cluster, { type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'
import { CliError } from './cli-config.js'
import type { AuthorityConfigInput } from './config.js'

/**
 * `picket-authority --workers N` (issue 14): one authority on every core. The primary process
 * resolves the config once (file, env, --rpc, the signing key) and forks N node:cluster workers;
 * each runs a whole authority on the same port (the primary hands connections out round-robin).
 * Everything a login must see the same way on every worker is in Redis (nonces, OAuth grants)
 * or in the config the primary sends (one signing key set): so more than one worker needs
 * `redisUrl`, and is refused without it rather than letting a nonce be used once per worker.
 *
 * node:cluster rather than worker_threads: each worker is a whole authority with its own event
 * loop, HTTP server and heap, so nothing in the request path is shared or locked, and a crash
 * takes down one worker, which the primary restarts; threads would share one process (one crash
 * stops all) and need the HTTP layer split from the signature work.
 */

/** The primary's message that starts a worker. */
export interface WorkerStart {
  type: 'picket-authority:start'
  config: AuthorityConfigInput
  port: number
  /** Where the port came from, for a listen error's message. */
  portSource?: string | undefined
  host: string
  /** For SIGHUP: re-read its signingKeys. */
  configFile?: string | undefined
  configSource?: string | undefined
}

/** A worker's message once it listens. */
export interface WorkerListening {
  type: 'picket-authority:listening'
  url: string
  issuer: string
  signatureBackend: string
}

/** `workers` of the config or `--workers`: a count, `auto` meaning one per core. */
export function resolveWorkerCount(workers: number | 'auto'): number {
  return workers === 'auto' ? availableParallelism() : workers
}

/** More than one worker shares nonces and grants through Redis, or not at all. */
export function assertClusterable(count: number, config: AuthorityConfigInput, source: string): void {
  if (count > 1 && !config.redisUrl) {
    throw new CliError(
      `${source} asks for ${count} workers, which needs Redis: with the in-memory stores every worker ` +
        'would keep its own nonces, so one signed login could be used once per worker. Set redisUrl in ' +
        'the config or REDIS_URL=redis://HOST:6379, or run one worker (--workers 1)',
    )
  }
}

/** First restart delay after a crash; doubled per crash in a row, up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 30_000
/** A worker that ran this long before it died starts a new crash series. */
const STABLE_AFTER_MS = 30_000
/** How long a stop may take before the remaining workers are killed. */
const STOP_TIMEOUT_MS = 10_000

export interface PrimaryOptions {
  count: number
  start: Omit<WorkerStart, 'type'>
  /** Called once every worker listens (the startup report, the stdout line). */
  onListening(listening: WorkerListening, pids: number[]): void
  log(line: string): void
}

/**
 * Runs the primary: forks `count` workers, restarts a crashed one with backoff, forwards SIGHUP,
 * and on SIGINT/SIGTERM stops them all and exits once none is left (exit 1 after 10 s, the
 * stragglers killed). A worker that dies before it ever listened is a startup failure (bad
 * config, port in use): everything stops with exit 1, it is not restarted in a loop.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { count, log } = options
  const message: WorkerStart = { type: 'picket-authority:start', ...options.start }
  let stopping = false
  let ready = false
  const listening = new Set<number>()
  const startedAt = new Map<number, number>()
  let crashes = 0
  let lastCrashSeries = 0

  const fork = (): Worker => {
    const worker = cluster.fork()
    startedAt.set(worker.id, Date.now())
    worker.on('message', (msg: WorkerListening | { type: 'picket-authority:waiting' }) => {
      // Sent once the worker listens for its start message ('online' comes before its modules load).
      if (msg?.type === 'picket-authority:waiting') {
        worker.send(message)
        return
      }
      if (msg?.type !== 'picket-authority:listening') return
      listening.add(worker.id)
      if (ready) {
        log(`picket-authority: worker ${worker.process.pid} listening again`)
        return
      }
      if (listening.size === count) {
        ready = true
        options.onListening(
          msg,
          workers().map((w) => w.process.pid!),
        )
      }
    })
    return worker
  }
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)

  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker.id)
    if (stopping) {
      if (workers().length === 0) process.exit(stopCode)
      return
    }
    const how = signal ? `signal ${signal}` : `code ${code}`
    if (!wasListening && !ready) {
      log(`picket-authority: worker ${worker.process.pid} exited with ${how} before it listened; stopping`)
      stop('startup failure', 1)
      return
    }
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0)
    startedAt.delete(worker.id)
    if (lived >= STABLE_AFTER_MS || Date.now() - lastCrashSeries > STABLE_AFTER_MS + MAX_BACKOFF_MS)
      crashes = 0
    lastCrashSeries = Date.now()
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** crashes, MAX_BACKOFF_MS)
    crashes++
    log(`picket-authority: worker ${worker.process.pid} exited with ${how}; starting another in ${delay} ms`)
    setTimeout(() => {
      if (!stopping) fork()
    }, delay).unref()
  })

  let stopCode = 0
  const stop = (reason: string, code = 0) => {
    if (stopping) {
      // A second signal while stopping: the user means now.
      for (const worker of workers()) worker.process.kill('SIGKILL')
      process.exit(1)
    }
    stopping = true
    stopCode = code
    const live = workers()
    if (live.length === 0) process.exit(code)
    for (const worker of live) worker.process.kill('SIGTERM')
    const late = setTimeout(() => {
      log(`picket-authority: workers not stopped ${STOP_TIMEOUT_MS / 1000} s after ${reason}; killing them`)
      for (const worker of workers()) worker.process.kill('SIGKILL')
      process.exit(1)
    }, STOP_TIMEOUT_MS)
    late.unref()
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGHUP', () => {
    for (const worker of workers()) worker.process.kill('SIGHUP')
  })
  for (let i = 0; i < count; i++) fork()
}

/** In a worker: the primary's start message. */
export function awaitStartMessage(): Promise<WorkerStart> {
  return new Promise((resolve) => {
    const onMessage = (msg: WorkerStart) => {
      if (msg?.type !== 'picket-authority:start') return
      process.off('message', onMessage)
      resolve(msg)
    }
    process.on('message', onMessage)
    process.send?.({ type: 'picket-authority:waiting' })
  })
}
