#!/usr/bin/env node
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { closestKey } from 'picket-core'
import { applyRpcUrls, CliError, type ConfigSource, readConfigFile, resolvePort } from './cli-config.js'
import { startupReport } from './cli-report.js'
import { AuthorityConfigError, type AuthorityConfigInput, parseAuthorityConfig } from './config.js'
import { DEV_CONFIG_FILE, loadOrCreateDevConfig } from './dev-project.js'
import { KEYS_USAGE, runKeysCommand } from './key-commands.js'

const USAGE = `Usage: picket-authority [--port 8787] [--host 127.0.0.1] [--config FILE] [--rpc SLUG=URL]...
       picket-authority keys <add|promote|retire|remove|list> --file FILE [--kid KID]
       picket-authority --version | --help

  --port     port to listen on (default: env PORT, else 8787; 0 picks a free one)
  --host     interface to bind (default 127.0.0.1)
  --config   JSON config file (default: env PICKET_AUTHORITY_CONFIG; without either a
             development project is created in ${DEV_CONFIG_FILE})
  --rpc      a chain's JSON-RPC URL for token gating, e.g. --rpc ethereum=https://rpc.example.com
             (repeatable). Also env PICKET_RPC_<SLUG> (PICKET_RPC_ETHEREUM=URL) and the config's
             chains.<slug>.rpcUrl; --rpc wins over the env, which wins over the config
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

  // Loaded here: `keys` commands need none of the server (fast start).
  const { startAuthority } = await import('./server.js')
  const authority = await startAuthority({
    ...config,
    port,
    host,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  }).catch((error: unknown) => {
    throw listenError(error, port, portSource, host)
  })
  process.stderr.write(
    startupReport({
      url: authority.url,
      issuer: authority.issuer,
      projects: authority.projects,
      registry: rpc.registry,
      sources: rpc.sources,
    }),
  )
  process.stdout.write(`Picket authority listening on ${authority.url}\n`)

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while stopping: the user means now.
    if (stopping) process.exit(1)
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
          `Reloaded signing keys: ${keys.map((key) => `${key.kid} (${key.status})`).join(', ')}\n`,
        ),
      (error: unknown) =>
        process.stderr.write(
          `warning: signing keys not reloaded, the keys in use stay: ${(error as Error).message}\n`,
        ),
    )
  })
}

main().catch((error: unknown) => {
  const message =
    error instanceof CliError || error instanceof AuthorityConfigError || error instanceof Error
      ? error.message
      : String(error)
  process.stderr.write(`picket-authority: ${message}\n`)
  process.exit(1)
})
