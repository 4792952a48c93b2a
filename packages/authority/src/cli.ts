#!/usr/bin/env node
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { AuthorityConfigError, type AuthorityConfigInput } from './config.js'
import { DEV_CONFIG_FILE, loadOrCreateDevConfig } from './dev-project.js'
import { KEYS_USAGE, runKeysCommand } from './key-commands.js'

const USAGE = `Usage: picket-authority [--port 8787] [--host 127.0.0.1] [--config FILE]
       picket-authority keys <add|promote|retire|remove|list> --file FILE [--kid KID]

  --port     port to listen on (default 8787; 0 picks a free one)
  --host     interface to bind (default 127.0.0.1)
  --config   JSON config file (default: env PICKET_AUTHORITY_CONFIG; without either a
             development project is created in ${DEV_CONFIG_FILE})
  env REDIS_URL   keep nonces in Redis (shared by several instances)
  SIGHUP     re-read the signing keys (signingKeyFile, or signingKeys of --config)

${KEYS_USAGE}`

/**
 * `picket-authority`: runs the bundled Picket-compatible authority. stdout carries one
 * line, `Picket authority listening on http://HOST:PORT/api/v1`, so scripts can wait for it;
 * everything else (dev project keys, warnings) goes to stderr.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    await runKeysCommand(process.argv.slice(3), {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    })
    return
  }
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`)

  const configFile = values.config ?? process.env.PICKET_AUTHORITY_CONFIG
  let config: AuthorityConfigInput
  if (configFile) {
    config = JSON.parse(await readFile(configFile, 'utf8')) as AuthorityConfigInput
  } else {
    const dev = await loadOrCreateDevConfig()
    config = dev.config
    const project = config.projects[0]!
    process.stderr.write(
      `${dev.created ? 'Created' : 'Using'} development project in ${DEV_CONFIG_FILE}\n` +
        `  project id:      ${project.id}\n` +
        `  publishable key: ${project.publishableKey}\n` +
        `  secret key:      ${project.secretKey}\n`,
    )
  }
  if (process.env.REDIS_URL && !config.redisUrl) config = { ...config, redisUrl: process.env.REDIS_URL }

  // Loaded here: `keys` commands need none of the server (fast start).
  const { startAuthority } = await import('./server.js')
  const authority = await startAuthority({
    ...config,
    port,
    host: values.host,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  })
  process.stdout.write(`Picket authority listening on ${authority.url}\n`)

  const stop = () => {
    authority.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // Key rotation without a restart: the keys of signingKeyFile, or the config's signingKeys.
  process.on('SIGHUP', () => {
    const reload = async () => {
      const fresh = configFile
        ? (JSON.parse(await readFile(configFile, 'utf8')) as AuthorityConfigInput).signingKeys
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
    error instanceof AuthorityConfigError || error instanceof Error ? error.message : String(error)
  process.stderr.write(`picket-authority: ${message}\n`)
  process.exit(1)
})
