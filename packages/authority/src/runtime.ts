import { Redis } from 'ioredis'
import { type BalanceReader, createBalanceReader } from './chains/index.js'
import { type ChainRegistry, createChainRegistry } from './chains/registry.js'
import {
  type AuthorityConfig,
  AuthorityConfigError,
  type AuthorityConfigInput,
  parseAuthorityConfig,
} from './config.js'
import { type GateChains, gateChainsOf } from './gates/gate-chains.js'
import { guardNonceStore } from './nonces/guarded-store.js'
import { createMemoryNonceStore } from './nonces/memory-store.js'
import { createRedisNonceStore } from './nonces/redis-store.js'
import type { NonceStore } from './nonces/store.js'
import type { CodeStore, SessionStore } from './oauth/grant-stores.js'
import { guardCodeStore, guardSessionStore } from './oauth/guarded-grant-stores.js'
import { createMemoryCodeStore, createMemorySessionStore } from './oauth/memory-grant-stores.js'
import { createRedisGrantStores } from './oauth/redis-grant-stores.js'
import { chainEndpointNamer, instrumentedChainFetch } from './operations/chain-fetch.js'
import { type AuthorityMetrics, createAuthorityMetrics } from './operations/metrics.js'
import { createProjectDirectory, type ProjectDirectory } from './projects.js'
import {
  type BackendSelection,
  describeSelection,
  type Secp256k1Backend,
  selectSecp256k1Backend,
} from './signatures/secp256k1-backends.js'
import { parseSigningKeyEntries, type SigningKeyStatus } from './tokens/key-set.js'
import { loadKeySet, readKeyFileSet, type SigningKey, type SigningKeySet } from './tokens/signing-key.js'

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
  /** The chains a gate may name (aliases and CAIP-2 ids of `chains`). */
  readonly gateChains: GateChains
  readonly balances: AuthorityBalanceReader
  readonly nonces: NonceStore
  /** Prometheus metrics of this authority, in its own registry (`GET {prefix}/metrics`). */
  readonly metrics: AuthorityMetrics
  /** OAuth authorization codes and sessions (refresh-token families): memory, or Redis with `redisUrl`. */
  readonly oauth: { readonly codes: CodeStore; readonly sessions: SessionStore }
  /**
   * The rate limits' Redis client of `redisUrl`, if one is configured. It never queues a command
   * while disconnected: a rate limit must not hold a request for Redis (the nonce store, which
   * has its own client, is what fails closed then).
   */
  readonly rateLimitRedis: Redis | undefined
  /** The current key of `keySet`: it signs every token minted. */
  readonly signingKey: SigningKey
  /** Every published key (next, current, retired); tokens verify with the one their kid names. */
  readonly keySet: SigningKeySet
  /**
   * Re-reads the keys without a restart: `signingKeys` when given (validated like the config's),
   * else `signingKeyFile`. On any error the keys in use stay. Answers the new set's kids.
   */
  reloadKeys(signingKeys?: unknown): Promise<Array<{ kid: string; status: SigningKeyStatus }>>
  /** secp256k1 recovery of EOA logins, chosen once at start (`signatureBackend`). */
  readonly secp256k1: Secp256k1Backend
  /** Which backend, and why faster ones were skipped: the startup log line. */
  readonly signatureBackend: { readonly selection: BackendSelection; readonly logLine: string }
  readonly bodyLimit: number
  readonly cors: boolean
  readonly now: () => number
  /**
   * `iss` of minted tokens: the configured issuer (required when mounted), else the URL
   * `startAuthority` binds once it listens. Never taken from a request.
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

/** One line when a chain endpoint's circuit opens or closes, naming it as the metrics do. */
function logEndpointChange(warn: (message: string) => void, chains: ChainRegistry, cooldownSeconds: number) {
  const nameOf = chainEndpointNamer(chains)
  return (url: string, state: 'open' | 'closed') =>
    warn(
      state === 'open'
        ? `Chain RPC endpoint ${nameOf(url)} keeps failing: skipped for ${cooldownSeconds} s, then probed again`
        : `Chain RPC endpoint ${nameOf(url)} answers again`,
    )
}

/** Splits options into config (validated, naming the bad field) and runtime parts, and starts them. */
export async function createAuthorityRuntime(options: AuthorityOptions): Promise<AuthorityRuntime> {
  const configInput: Record<string, unknown> = { ...options }
  for (const key of RUNTIME_ONLY_OPTIONS) delete configInput[key]
  const config = parseAuthorityConfig(configInput)
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, 'PicketAuthorityWarning'))
  let selection: BackendSelection
  try {
    selection = await selectSecp256k1Backend(config.signatureBackend)
  } catch (error) {
    throw new AuthorityConfigError(
      'signatureBackend',
      (error as Error).message.replace(/^signatureBackend /, ''),
    )
  }

  let keySet = await loadKeySet({
    keys: config.signingKeys,
    jwk: config.signingKey,
    file: config.signingKeyFile,
    warn,
  })
  const chains = createChainRegistry(config.chains)
  const ownsBalances = !options.balanceReader
  const ownsNonces = !options.nonceStore
  const onRedisError = rateLimited(warn, 30_000, (error: Error) => `Redis: ${error.message}`)
  const nonceStore =
    options.nonceStore ??
    (config.redisUrl
      ? createRedisNonceStore({ redis: config.redisUrl, ttlSeconds: config.nonceTTL, onError: onRedisError })
      : createMemoryNonceStore({ ttlSeconds: config.nonceTTL }))
  const metrics = createAuthorityMetrics({ nonceStoreSize: nonceStore.size && (() => nonceStore.size!()) })
  // Chain reads are timed and counted per chain and endpoint (a replaced reader reports none).
  const balances =
    options.balanceReader ??
    createBalanceReader({
      timeout: options.rpcTimeout ?? 10_000,
      fetch: instrumentedChainFetch(metrics, chains),
      breakerFailures: config.chainReads.breakerFailures,
      breakerCooldownMs: config.chainReads.breakerCooldownSeconds * 1000,
      balanceCacheMs: config.chainReads.balanceCacheSeconds * 1000,
      onEndpointChange: logEndpointChange(warn, chains, config.chainReads.breakerCooldownSeconds),
    })
  const rateLimitRedis =
    config.redisUrl && config.rateLimit
      ? new Redis(config.redisUrl, {
          maxRetriesPerRequest: 1,
          connectTimeout: 5000,
          enableOfflineQueue: false,
        })
      : undefined
  rateLimitRedis?.on('error', onRedisError)
  const grants = config.redisUrl
    ? createRedisGrantStores({ redis: config.redisUrl, onError: onRedisError })
    : {
        codes: createMemoryCodeStore({ now: options.now ?? Date.now }),
        sessions: createMemorySessionStore({ now: options.now ?? Date.now }),
      }

  return {
    config,
    projects: createProjectDirectory(config.projects),
    chains,
    gateChains: gateChainsOf(chains),
    balances,
    nonces: guardNonceStore(nonceStore),
    metrics,
    oauth: { codes: guardCodeStore(grants.codes), sessions: guardSessionStore(grants.sessions) },
    rateLimitRedis,
    get signingKey() {
      return keySet.current
    },
    get keySet() {
      return keySet
    },
    async reloadKeys(signingKeys?: unknown) {
      let next: SigningKeySet | undefined
      if (signingKeys !== undefined) {
        const fail = (field: string, problem: string) => new AuthorityConfigError(field, problem)
        next = await loadKeySet({ keys: parseSigningKeyEntries(signingKeys, 'signingKeys', fail), warn })
      } else if (config.signingKeyFile) {
        next = await readKeyFileSet(config.signingKeyFile)
        if (!next)
          throw new Error(`Signing key file ${config.signingKeyFile} no longer exists; the keys in use stay`)
      } else {
        throw new Error(
          'No key source to reload: pass the new signingKeys, or configure signingKeyFile (signingKey is fixed until a restart)',
        )
      }
      keySet = next
      return keySet.keys.map(({ kid, status }) => ({ kid, status }))
    },
    secp256k1: selection.backend,
    signatureBackend: Object.freeze({ selection, logLine: describeSelection(selection) }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    cors: options.cors ?? true,
    now: options.now ?? Date.now,
    issuer: config.issuer,
    async close() {
      if (ownsNonces) await nonceStore.close()
      await grants.codes.close()
      await grants.sessions.close()
      if (ownsBalances) await balances.close?.()
      if (rateLimitRedis) {
        if (rateLimitRedis.status === 'ready')
          await rateLimitRedis.quit().catch(() => rateLimitRedis.disconnect())
        else rateLimitRedis.disconnect()
      }
    },
  }
}
