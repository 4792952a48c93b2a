import { type BalanceReader, createBalanceReader } from './chains/index.js'
import { type ChainRegistry, createChainRegistry } from './chains/registry.js'
import { type AuthorityConfig, type AuthorityConfigInput, parseAuthorityConfig } from './config.js'
import { guardNonceStore } from './nonces/guarded-store.js'
import { createMemoryNonceStore } from './nonces/memory-store.js'
import { createRedisNonceStore } from './nonces/redis-store.js'
import type { NonceStore } from './nonces/store.js'
import { createProjectDirectory, type ProjectDirectory } from './projects.js'
import { loadSigningKey, type SigningKey } from './tokens/signing-key.js'

/**
 * What the authority needs from the chain layer: the chain module's `BalanceReader`
 * (replaceable through `balanceReader`, e.g. for a custom provider).
 */
export type AuthorityBalanceReader = BalanceReader

/** Everything `createAuthority` / `startAuthority` accept: the JSON config plus runtime parts. */
export interface AuthorityOptions extends AuthorityConfigInput {
  /** Replaces the store chosen from `redisUrl` (memory by default). */
  nonceStore?: NonceStore
  /** Replaces the chain balance reader (tests, custom providers). */
  balanceReader?: AuthorityBalanceReader
  /** Timeout of each chain RPC call in milliseconds; default 10 000. */
  rpcTimeout?: number
  /** Request body limit in bytes; default 64 KiB. */
  bodyLimit?: number
  /** Answer CORS preflights and add CORS headers (browser SDKs need them); default true. */
  cors?: boolean
  /** Clock in milliseconds, for tests; default `Date.now`. */
  now?: () => number
  /** Where warnings go (generated keys); default `process.emitWarning`. */
  warn?: (message: string) => void
}

const RUNTIME_ONLY_OPTIONS = [
  'nonceStore',
  'balanceReader',
  'rpcTimeout',
  'bodyLimit',
  'cors',
  'now',
  'warn',
] as const

/** The resolved, running parts of an authority, shared by its routes. */
export interface AuthorityRuntime {
  readonly config: AuthorityConfig
  readonly projects: ProjectDirectory
  readonly chains: ChainRegistry
  readonly balances: AuthorityBalanceReader
  readonly nonces: NonceStore
  readonly signingKey: SigningKey
  readonly bodyLimit: number
  readonly cors: boolean
  readonly now: () => number
  /**
   * `iss` of minted tokens: the configured issuer, else the default set by `startAuthority`
   * once it knows its URL, else (plugin mounted in someone's app) the request's own base URL.
   */
  issuer: string | undefined
  close(): Promise<void>
}

export const DEFAULT_BODY_LIMIT = 64 * 1024

/** A reconnecting client fails many times a second; one warning per interval is enough. */
function rateLimited<T>(warn: (message: string) => void, intervalMs: number, describe: (value: T) => string) {
  let last = 0
  return (value: T) => {
    const now = Date.now()
    if (now - last < intervalMs) return
    last = now
    warn(describe(value))
  }
}

/** Splits options into config (validated, naming the bad field) and runtime parts, and starts them. */
export async function createAuthorityRuntime(options: AuthorityOptions): Promise<AuthorityRuntime> {
  const configInput: Record<string, unknown> = { ...options }
  for (const key of RUNTIME_ONLY_OPTIONS) delete configInput[key]
  const config = parseAuthorityConfig(configInput)
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, 'PicketAuthorityWarning'))

  const signingKey = await loadSigningKey({ jwk: config.signingKey, file: config.signingKeyFile, warn })
  const chains = createChainRegistry(config.chains)
  const ownsBalances = !options.balanceReader
  const balances = options.balanceReader ?? createBalanceReader({ timeout: options.rpcTimeout ?? 10_000 })
  const ownsNonces = !options.nonceStore
  const nonceStore =
    options.nonceStore ??
    (config.redisUrl
      ? createRedisNonceStore({
          redis: config.redisUrl,
          ttlSeconds: config.nonceTTL,
          onError: rateLimited(warn, 30_000, (error) => `Redis nonce store: ${error.message}`),
        })
      : createMemoryNonceStore({ ttlSeconds: config.nonceTTL }))

  return {
    config,
    projects: createProjectDirectory(config.projects),
    chains,
    balances,
    nonces: guardNonceStore(nonceStore),
    signingKey,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    cors: options.cors ?? true,
    now: options.now ?? Date.now,
    issuer: config.issuer,
    async close() {
      if (ownsNonces) await nonceStore.close()
      if (ownsBalances) await balances.close?.()
    },
  }
}
