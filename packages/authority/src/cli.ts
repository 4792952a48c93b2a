#!/usr/bin/env node
import cluster from 'node:cluster'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { closestKey } from 'picket-core'
import {
  assertClusterable,
  awaitStartMessage,
  resolveWorkerCount,
  runPrimary,
  type WorkerListening,
  type WorkerStart,
} from './cli-cluster.js'
import { applyRpcUrls, CliError, type ConfigSource, readConfigFile, resolvePort } from './cli-config.js'
import { startupReport } from './cli-report.js'
import {
  AuthorityConfigError,
  type AuthorityConfigInput,
  parseAuthorityConfig,
  parseWorkers,
} from './config.js'
import { DEV_CONFIG_FILE, loadOrCreateDevConfig } from './dev-project.js'
import { KEYS_USAGE, runKeysCommand } from './key-commands.js'

const USAGE = `Usage: picket-authority [--port 8787] [--host 127.0.0.1] [--config FILE] [--rpc SLUG=URL]... [--workers N]
       picket-authority keys <add|promote|retire|remove|list> --file FILE [--kid KID]
       picket-authority devchain [--port 8545] [--mint 0xWALLET]...   (dev chain with demo tokens; --help)
       picket-authority --version | --help

  --port     port to listen on (default: env PORT, else 8787; 0 picks a free one)
  --host     interface to bind (default 127.0.0.1)
  --config   JSON config file (default: env PICKET_AUTHORITY_CONFIG; without either a
             development project is created in ${DEV_CONFIG_FILE})
  --rpc      a chain's JSON-RPC URL for token gating, e.g. --rpc ethereum=https://rpc.example.com
             (repeatable). Also env PICKET_RPC_<SLUG> (PICKET_RPC_ETHEREUM=URL) and the config's
             chains.<slug>.rpcUrl; --rpc wins over the env, which wins over the config
  --workers  processes serving the port, a number or auto (one per core); default: the config's
             workers, else 1. More than one needs Redis (redisUrl or REDIS_URL): nonces must be
             single-use across all of them
  env REDIS_URL   keep nonces in Redis (shared by several instances)
  SIGHUP     re-read the signing keys (signingKeyFile, or signingKeys of --config)
  SIGINT, SIGTERM  stop: close connections and the port, then exit 0

${KEYS_USAGE}`

/** How long a stop may take before the process exits anyway (a client holding a connection). */
const STOP_TIMEOUT_MS = 10_000

/** The options of parseArgs (test/examples/readme.test.ts reads the flags from these lines). */
function argsConfig() {
  return {
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      rpc: { type: 'string', multiple: true },
      workers: { type: 'string' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  } as const
}

/** parseArgs, with an unknown or misused option answered by a did-you-mean and a pointer to --help. */
function readArgs(args: string[]) {
  try {
    return parseArgs({ args, ...argsConfig() }).values
  } catch (error) {
    const { code, message } = error as { code?: string; message: string }
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? ''
      const suggestion = closestKey(option.replace(/^-+/, ''), Object.keys(argsConfig().options))
      throw new CliError(
        `unknown option ${option}${suggestion ? ` — did you mean --${suggestion}?` : ''} (picket-authority --help lists them)`,
      )
    }
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new CliError(`${message} (picket-authority --help lists the options)`)
    }
    throw error
  }
}

async function packageVersion(): Promise<string> {
  // src/cli.ts and dist/cli.js both sit one folder below the package's package.json.
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  return (manifest as { version: string }).version
}

/** The config as read from its file: errors name the file, then the field. */
async function loadConfigFile(file: string, source: ConfigSource): Promise<AuthorityConfigInput> {
  const value = await readConfigFile(file, source)
  try {
    parseAuthorityConfig(value)
  } catch (error) {
    if (error instanceof AuthorityConfigError) throw new CliError(`${file}: ${error.message}`)
    throw error
  }
  return value as AuthorityConfigInput
}

/** A listen failure in words that say what to do; other errors unchanged. */
function listenError(error: unknown, port: number, portSource: string, host: string): unknown {
  const code = (error as NodeJS.ErrnoException).code
  const where = `${host}:${port}${portSource === 'default' ? ' (the default port)' : ` (from ${portSource})`}`
  if (code === 'EADDRINUSE') {
    return new CliError(
      `${where} is already in use, by another picket-authority or another server. Stop it, or choose ` +
        'another port with --port N or the PORT environment variable (--port 0 picks a free one)',
    )
  }
  if (code === 'EACCES') {
    return new CliError(`${where}: no permission to listen there; use a port above 1023 (--port N or PORT=N)`)
  }
  if (code === 'EADDRNOTAVAIL') {
    return new CliError(`--host ${host} is not an address of this machine (127.0.0.1, 0.0.0.0 or ::1 are)`)
  }
  return error
}

/**
 * `picket-authority`: runs the bundled Picket-compatible authority. stdout carries one
 * line, `Picket authority listening on http://HOST:PORT/api/v1`, so scripts can wait for it;
 * everything else (dev project keys, the startup report, warnings) goes to stderr.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    await runKeysCommand(process.argv.slice(3), {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    })
    return
  }
  if (process.argv[2] === 'devchain') {
    // Loaded only here: a local EVM for development (needs the optional @foundry-rs/anvil).
    const { runDevChainCommand } = await import('./devchain/command.js')
    await runDevChainCommand(process.argv.slice(3), {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    })
    return
  }
  const values = readArgs(process.argv.slice(2))
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (values.version) {
    process.stdout.write(`${await packageVersion()}\n`)
    return
  }
  const { port, source: portSource } = resolvePort(values.port, process.env.PORT)
  const host = values.host

  const configFile = values.config || process.env.PICKET_AUTHORITY_CONFIG || undefined
  const configSource: ConfigSource = values.config ? '--config' : 'PICKET_AUTHORITY_CONFIG'
  let config: AuthorityConfigInput
  if (configFile) {
    config = await loadConfigFile(configFile, configSource)
  } else {
    const dev = await loadOrCreateDevConfig()
    config = dev.config
    const project = config.projects[0]!
    process.stderr.write(
      `${dev.created ? 'Created' : 'Using'} development project in ${DEV_CONFIG_FILE}\n` +
        `  project:         ${project.name ?? project.id}\n` +
        `  project id:      ${project.id}\n` +
        `  publishable key: ${project.publishableKey}\n` +
        `  secret key:      ${project.secretKey}\n`,
    )
  }
  if (process.env.REDIS_URL && !config.redisUrl) config = { ...config, redisUrl: process.env.REDIS_URL }
  // Chain RPC URLs: --rpc over PICKET_RPC_<SLUG> over the config's chains.<slug>.rpcUrl.
  const rpc = applyRpcUrls(config, values.rpc ?? [], process.env)
  config = rpc.config

  const workersSource = values.workers !== undefined ? `--workers ${values.workers}` : "the config's workers"
  const count = resolveWorkerCount(
    values.workers !== undefined ? workersFlag(values.workers) : parseAuthorityConfig(config).workers,
  )
  const start = { config, port, portSource, host, configFile, configSource }
  if (count > 1) {
    assertClusterable(count, config, workersSource)
    const shared = { ...start, config: await withSharedSigningKey(config) }
    runPrimary({
      count,
      start: shared,
      log: (line) => process.stderr.write(`${line}\n`),
      onListening: (listening, pids) => {
        process.stderr.write(
          `${report(listening, rpc)}Workers:       ${count} processes (node:cluster, pids ${pids.join(', ')}), nonces and grants in Redis\n`,
        )
        process.stdout.write(`Picket authority listening on ${listening.url}\n`)
      },
    })
    return
  }
  const listening = await serve(start)
  process.stderr.write(report(listening, rpc))
  process.stdout.write(`Picket authority listening on ${listening.url}\n`)
}

/** `--workers`: a positive integer or auto, validated like the config's `workers`. */
function workersFlag(text: string): number | 'auto' {
  try {
    return parseWorkers(/^\d+$/.test(text) ? Number(text) : text, '--workers')
  } catch (error) {
    throw new CliError((error as Error).message.replace(/^Invalid authority config: /, ''))
  }
}

function report(listening: WorkerListening, rpc: ReturnType<typeof applyRpcUrls>): string {
  return startupReport({
    url: listening.url,
    issuer: listening.issuer,
    projects: parseAuthorityConfig(rpc.config).projects,
    registry: rpc.registry,
    sources: rpc.sources,
    signatureBackend: listening.signatureBackend,
  })
}

/**
 * Workers must sign with one key set: the configured one; the key file, created here once when
 * it does not exist (not by N workers racing); or one in-memory key made here for all of them.
 */
async function withSharedSigningKey(config: AuthorityConfigInput): Promise<AuthorityConfigInput> {
  if (config.signingKey || config.signingKeys) return config
  const { generateSigningJwk, loadKeySet } = await import('./tokens/signing-key.js')
  const warn = (message: string) => process.stderr.write(`warning: ${message}\n`)
  if (config.signingKeyFile) {
    await loadKeySet({ file: config.signingKeyFile, warn })
    return config
  }
  warn(
    'No signingKey or signingKeyFile configured: using an in-memory ES256 key (one for all workers); tokens stop verifying after a restart',
  )
  return { ...config, signingKey: await generateSigningJwk() }
}

/**
 * Starts one authority (the whole process, or a cluster worker) and handles its signals:
 * SIGINT/SIGTERM stop it, SIGHUP re-reads the signing keys.
 */
async function serve(start: Omit<WorkerStart, 'type'>): Promise<WorkerListening> {
  const { config, port, host, configFile } = start
  const configSource = (start.configSource ?? '--config') as ConfigSource
  // Loaded here: `keys` commands need none of the server (fast start).
  const { startAuthority } = await import('./server.js')
  const authority = await startAuthority({
    ...config,
    port,
    host,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  }).catch((error: unknown) => {
    throw listenError(error, port, start.portSource ?? '--port', host)
  })

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal while stopping: the user means now (a worker waits for its primary).
      if (cluster.isWorker) return
      process.exit(1)
    }
    stopping = true
    const late = setTimeout(() => {
      process.stderr.write(
        `picket-authority: not stopped ${STOP_TIMEOUT_MS / 1000} s after ${signal}; exiting\n`,
      )
      process.exit(1)
    }, STOP_TIMEOUT_MS)
    late.unref()
    authority.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`picket-authority: error while stopping: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // A worker whose primary is gone (killed) stops too: no orphan keeps the port.
  if (cluster.isWorker) process.on('disconnect', () => stop('the primary process exited'))
  // Key rotation without a restart: the keys of signingKeyFile, or the config's signingKeys.
  process.on('SIGHUP', () => {
    const reload = async () => {
      const fresh = configFile
        ? ((await readConfigFile(configFile, configSource)) as AuthorityConfigInput).signingKeys
        : undefined
      return authority.reloadKeys(fresh)
    }
    reload().then(
      (keys) =>
        process.stderr.write(
          `Reloaded signing keys${cluster.isWorker ? ` (worker ${process.pid})` : ''}: ${keys.map((key) => `${key.kid} (${key.status})`).join(', ')}\n`,
        ),
      (error: unknown) =>
        process.stderr.write(
          `warning: signing keys not reloaded, the keys in use stay: ${(error as Error).message}\n`,
        ),
    )
  })
  return {
    type: 'picket-authority:listening',
    url: authority.url,
    issuer: authority.issuer,
    signatureBackend: authority.signatureBackend,
  }
}

/** A cluster worker: serves what the primary sends, and says when it listens. */
async function worker(): Promise<void> {
  const start = await awaitStartMessage()
  const listening = await serve(start)
  process.send?.(listening)
}

;(cluster.isWorker ? worker() : main()).catch((error: unknown) => {
  const message =
    error instanceof CliError || error instanceof AuthorityConfigError || error instanceof Error
      ? error.message
      : String(error)
  process.stderr.write(`picket-authority: ${message}\n`)
  process.exit(1)
})
