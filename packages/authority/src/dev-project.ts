import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AuthorityConfigInput } from './config.js'
import { generateSigningJwk } from './tokens/signing-key.js'

/** Where the CLI keeps its development project when started without a config (gitignored). */
export const DEV_CONFIG_FILE = '.picket-authority/dev.json'

/**
 * The development configuration: read from `file`, or created on first start with a fresh
 * project, API keys and signing key, so restarts keep issued tokens and keys valid.
 */
export async function loadOrCreateDevConfig(
  file: string = DEV_CONFIG_FILE,
): Promise<{ config: AuthorityConfigInput; created: boolean }> {
  try {
    return { config: JSON.parse(await readFile(file, 'utf8')) as AuthorityConfigInput, created: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const config: AuthorityConfigInput = {
    signingKey: await generateSigningJwk(),
    projects: [
      {
        id: randomUUID(),
        // Wallets show the statement, `Sign in to <name>`, to people: a name, never the id.
        name: await devProjectName(),
        publishableKey: `pk_dev_${randomBytes(16).toString('hex')}`,
        secretKey: `sk_dev_${randomBytes(24).toString('hex')}`,
        format: 'siwe',
        // The pages a developer signs in from; edit the file to add the app's own domain.
        allowedDomains: ['localhost:3000', '127.0.0.1:3000', 'localhost:5173', '127.0.0.1:5173'],
      },
    ],
  }
  await mkdir(dirname(file), { recursive: true })
  // 0600: the file holds a secret key and the token-signing key.
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  return { config, created: true }
}

/** The app the authority is started for: `name` of ./package.json, else "Development". */
async function devProjectName(): Promise<string> {
  try {
    const { name } = JSON.parse(await readFile('package.json', 'utf8')) as { name?: unknown }
    // A one-line, printable name (it goes into the signed statement); scoped names lose the scope.
    if (typeof name === 'string' && /^[\w@./ -]{1,80}$/.test(name)) {
      return `${name.replace(/^@[^/]+\//, '')} (development)`
    }
  } catch {
    // No package.json (or not JSON) in the working directory: the generic name.
  }
  return 'Development'
}
