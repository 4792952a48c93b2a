import { callJsonRpc, JsonRpcResponseError } from '../chains/json-rpc.js'
import { type ChainDefinition, rpcEndpointsOf } from '../chains/registry.js'
import type { AuthorityRuntime } from '../runtime.js'
import { TimeoutError, withTimeout } from './metrics.js'

/** One dependency of readiness; `check` rejects with a message safe to publish (no URL, no key). */
export interface DependencyCheck {
  readonly name: string
  check(timeoutMs: number): Promise<void>
}

export interface DependencyResult {
  readonly name: string
  readonly ok: boolean
  /** Why it failed, in words that carry no secret (never an RPC URL or a Redis address). */
  readonly error?: string
  readonly ms: number
}

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: readonly DependencyResult[]
  /** Names of the failing dependencies. */
  readonly failing: readonly string[]
  /** When the checks ran (epoch ms). */
  readonly checkedAt: number
}

export interface Readiness {
  /** The last report while it is younger than the cache time, else a fresh one (shared by concurrent callers). */
  report(): Promise<ReadinessReport>
  readonly cacheMs: number
}

export interface ReadinessOptions {
  /** Milliseconds a report is served again without checking; default 2000. */
  cacheMs?: number
  /** Milliseconds each dependency has to answer; default 1500. */
  timeoutMs?: number
  onReport?: (report: ReadinessReport) => void
}

export const DEFAULT_READINESS_CACHE_MS = 2000
export const DEFAULT_READINESS_TIMEOUT_MS = 1500

/**
 * Readiness from a short cache: however many probes arrive, the dependencies are asked at most
 * once per `cacheMs`, and probes that arrive while a check runs wait for that one.
 */
export function createReadiness(
  checks: readonly DependencyCheck[],
  options: ReadinessOptions = {},
): Readiness {
  const cacheMs = options.cacheMs ?? DEFAULT_READINESS_CACHE_MS
  const timeoutMs = options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS
  let cached: { report: ReadinessReport; at: number } | undefined
  let running: Promise<ReadinessReport> | undefined

  async function run(): Promise<ReadinessReport> {
    const results = await Promise.all(
      checks.map(async ({ name, check }): Promise<DependencyResult> => {
        const started = performance.now()
        try {
          await withTimeout(check(timeoutMs), timeoutMs, name)
          return { name, ok: true, ms: Math.round(performance.now() - started) }
        } catch (error) {
          return {
            name,
            ok: false,
            error: error instanceof TimeoutError ? `no answer within ${timeoutMs} ms` : safeMessage(error),
            ms: Math.round(performance.now() - started),
          }
        }
      }),
    )
    const failing = results.filter((result) => !result.ok).map((result) => result.name)
    return { ready: failing.length === 0, checks: results, failing, checkedAt: Date.now() }
  }

  return {
    cacheMs,
    report() {
      if (cached && performance.now() - cached.at < cacheMs) return Promise.resolve(cached.report)
      running ??= run()
        .then((report) => {
          cached = { report, at: performance.now() }
          options.onReport?.(report)
          return report
        })
        .finally(() => {
          running = undefined
        })
      return running
    },
  }
}

/** A failure whose message was written to be published. */
export class DependencyFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DependencyFailure'
  }
}

function safeMessage(error: unknown): string {
  return error instanceof DependencyFailure ? error.message : 'check failed'
}

/**
 * What the authority depends on: its signing key; Redis when `redisUrl` is configured (PING
 * through the nonce store's client, the dependency logins fail closed on); and every chain whose
 * `rpcUrl` the configuration sets (`eth_chainId`, matching the configured id, or Solana's
 * `getHealth`). The built-in `localhost` chain's default URL is checked only when configured.
 */
export function authorityDependencyChecks(runtime: AuthorityRuntime): DependencyCheck[] {
  const checks: DependencyCheck[] = [
    {
      name: 'signingKey',
      async check() {
        if (!runtime.keySet.current?.privateKey) throw new DependencyFailure('no signing key is loaded')
      },
    },
  ]
  const { nonces } = runtime
  if (nonces.ping) {
    checks.push({
      name: runtime.config.redisUrl ? 'redis' : 'nonceStore',
      async check() {
        try {
          await nonces.ping!()
        } catch (error) {
          if (error instanceof TimeoutError) throw error
          throw new DependencyFailure('PING failed')
        }
      },
    })
  }
  for (const chain of configuredChains(runtime)) {
    checks.push({ name: `chain:${chain.slug}`, check: (timeoutMs) => checkChain(chain, timeoutMs) })
  }
  return checks
}

/** Chains with an RPC URL that the configuration names (under their slug or an alias). */
function configuredChains(runtime: AuthorityRuntime): ChainDefinition[] {
  const slugs = new Set<string>()
  for (const [key, override] of Object.entries(runtime.config.chains)) {
    const chain = runtime.chains.get(key)
    if (chain && (override.rpcUrl !== undefined || override.rpcUrls !== undefined)) slugs.add(chain.slug)
  }
  return runtime.chains
    .list()
    .filter((chain) => slugs.has(chain.slug) && chain.rpcUrl !== undefined && chain.chainType !== 'flow')
}

/**
 * A chain is ready when one of its endpoints answers (the readers fall back to it), and none
 * answers for another chain (reads would go there whenever the ones before it fail).
 */
async function checkChain(chain: ChainDefinition, timeoutMs: number): Promise<void> {
  const urls = rpcEndpointsOf(chain)
  const settled = await Promise.allSettled(urls.map((url) => checkEndpoint(chain, url, timeoutMs)))
  const failures = settled.flatMap((outcome, i) =>
    outcome.status === 'rejected' ? [{ i, reason: outcome.reason as unknown }] : [],
  )
  // The endpoint names of the metrics (rpc, rpc#1, rpc#2…): URLs may carry API keys.
  const label = (i: number) => (urls.length > 1 ? `endpoint ${i === 0 ? 'rpc' : `rpc#${i}`}: ` : '')
  const wrongChain = failures.find((failure) => failure.reason instanceof WrongChainFailure)
  if (wrongChain) throw new DependencyFailure(`${label(wrongChain.i)}${safeMessage(wrongChain.reason)}`)
  if (failures.length < urls.length) return
  throw failures.length > 1
    ? new DependencyFailure(failures.map((f) => `${label(f.i)}${safeMessage(f.reason)}`).join('; '))
    : failures[0]!.reason
}

/** An endpoint that answers, for another chain than the configured one. */
class WrongChainFailure extends DependencyFailure {}

async function checkEndpoint(chain: ChainDefinition, url: string, timeoutMs: number): Promise<void> {
  const call = <R>(method: string) => callJsonRpc<R>(url, method, [], { timeout: timeoutMs })
  try {
    if (chain.chainType === 'solana') {
      try {
        await call<unknown>('getHealth')
      } catch (error) {
        // Method not found: an RPC without getHealth (some providers) still answers getSlot.
        if (error instanceof JsonRpcResponseError && error.code === -32601) await call<unknown>('getSlot')
        else throw error
      }
      return
    }
    const answer = await call<unknown>('eth_chainId')
    const id = typeof answer === 'string' && /^0x[0-9a-f]+$/i.test(answer) ? Number(answer) : Number.NaN
    if (id !== chain.chainId) {
      // Reading balances on another chain than the one the SIWE messages name: not ready.
      throw new WrongChainFailure(
        `answers chain id ${Number.isNaN(id) ? 'none' : id}, configured ${chain.chainId}`,
      )
    }
  } catch (error) {
    if (error instanceof DependencyFailure) throw error
    throw new DependencyFailure(describeRpcFailure(error))
  }
}

/** The RPC failure in words without its URL (viem and undici messages name it). */
function describeRpcFailure(error: unknown): string {
  if (error instanceof JsonRpcResponseError) return `JSON-RPC error ${error.code}`
  const message = error instanceof Error ? error.message : ''
  if (/timed out/.test(message)) return 'RPC did not answer in time'
  let cause: unknown = error
  for (let depth = 0; depth < 4 && cause; depth++) {
    const status = (cause as { status?: unknown }).status
    if (typeof status === 'number') return `RPC answered HTTP ${status}`
    cause = (cause as { cause?: unknown }).cause
  }
  return 'RPC unreachable'
}
