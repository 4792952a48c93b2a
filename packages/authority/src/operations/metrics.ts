import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * The authority's Prometheus metrics, in a registry of its own (never prom-client's global
 * one): two authorities in one process, or an authority in an app that has metrics of its own,
 * never collide over a metric name. Labels take values from small fixed sets only (error codes,
 * route templates, chain slugs): never a wallet address, a raw URL or an RPC URL, which may
 * carry an API key.
 */
export interface AuthorityMetrics {
  readonly registry: Registry
  /** Outcomes of `POST /auth` and `GET /oauth2/authorize` logins: `success` or the refusal's code. */
  readonly logins: Counter<'endpoint' | 'outcome'>
  /** Every HTTP answer of the authority, by route template. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>
  /** One JSON-RPC HTTP request to a chain endpoint (balance reads, ERC-1271, ENS). */
  readonly chainRequestDuration: Histogram<'chain' | 'endpoint'>
  /** Chain requests without a usable answer: no connection, timeout or abort, a non-2xx status. */
  readonly chainRequestErrors: Counter<'chain' | 'endpoint' | 'kind'>
  /** 1 when the dependency passed the last readiness check, else 0. */
  readonly dependencyUp: Gauge<'dependency'>
}

export interface AuthorityMetricsOptions {
  /** Live nonces now (the memory store's count, Redis' index); read at each scrape. */
  nonceStoreSize?: (() => Promise<number>) | undefined
  /** Milliseconds a scrape waits for the nonce count; default 1000. */
  sizeTimeout?: number
}

/** Chain RPCs answer in milliseconds to seconds; timeouts sit at 5–10 s. */
const CHAIN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function createAuthorityMetrics(options: AuthorityMetricsOptions = {}): AuthorityMetrics {
  const registry = new Registry()
  const registers = [registry]
  const logins = new Counter({
    name: 'picket_authority_logins_total',
    help: 'Wallet logins by endpoint (auth, oauth2_authorize) and outcome: success, or the refusal code (signature_invalid, permission_denied, chain_unavailable, rate_limited, …)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers,
  })
  const httpDuration = new Histogram({
    name: 'picket_authority_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  })
  const chainRequestDuration = new Histogram({
    name: 'picket_authority_chain_rpc_duration_seconds',
    help: 'Time of one JSON-RPC request to a chain endpoint (until its response headers), by chain slug and endpoint (rpc, das)',
    labelNames: ['chain', 'endpoint'] as const,
    buckets: CHAIN_BUCKETS,
    registers,
  })
  const chainRequestErrors = new Counter({
    name: 'picket_authority_chain_rpc_errors_total',
    help: 'JSON-RPC requests to a chain endpoint without a usable answer, by chain slug, endpoint and kind (network, timeout_or_abort, http_status)',
    labelNames: ['chain', 'endpoint', 'kind'] as const,
    registers,
  })
  const dependencyUp = new Gauge({
    name: 'picket_authority_dependency_up',
    help: 'Whether the dependency (signingKey, redis, chain:<slug>) passed the last readiness check (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers,
  })
  const { nonceStoreSize } = options
  if (nonceStoreSize) {
    const timeout = options.sizeTimeout ?? 1000
    new Gauge({
      name: 'picket_authority_nonce_store_size',
      help: 'Live nonces in the nonce store (NaN when the store could not be read within the scrape)',
      registers,
      async collect() {
        try {
          this.set(await withTimeout(nonceStoreSize(), timeout))
        } catch {
          // A scrape must not fail, nor wait on a store that is down; readyz names the outage.
          this.set(Number.NaN)
        }
      },
    })
  }
  return { registry, logins, httpDuration, chainRequestDuration, chainRequestErrors, dependencyUp }
}

/** `promise`, or a rejection after `ms` (the timer never holds the process open). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms)
    timer.unref?.()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}
