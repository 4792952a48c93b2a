import {
  type ConfigErrorFactory,
  describeValue,
  expectRecord,
  type KnownKeys,
  optionalString,
  refuseUndefinedValues,
  refuseUnknownKeys,
  type VerifiedTokenCacheStats,
} from '../core/index.js'

/**
 * The part of a prom-client `Registry` the cache metrics use, typed here so that neither
 * picket-core nor the adapters import (or depend on) prom-client: the user passes their own
 * registry (`new Registry()` or prom-client's default `register`).
 */
export interface MetricsRegistry {
  /** Takes any prom-client metric; ours are plain objects of the same shape (see `collected`). */
  registerMetric(metric: never): void
  removeSingleMetric(name: string): void
  getSingleMetric(name: string): unknown
}

export interface MetricsOptions {
  /** A prom-client `Registry` the verified-token cache's metrics are registered in. */
  registry: MetricsRegistry
  /**
   * Prefix of the metric names (default `picket_`): `picket_token_cache_hits_total`, …. Give each
   * registration sharing a registry its own.
   */
  prefix?: string
}

export interface ResolvedMetrics {
  registry: MetricsRegistry
  prefix: string
}

type Counted = keyof VerifiedTokenCacheStats

/** The metrics, by name after the prefix: what they read of the cache's stats, and their help. */
const METRICS: readonly { name: string; type: 'counter' | 'gauge'; reads: Counted; help: string }[] = [
  {
    name: 'token_cache_hits_total',
    type: 'counter',
    reads: 'hits',
    help: 'Verified-token cache lookups answered from the cache (no verification)',
  },
  {
    name: 'token_cache_misses_total',
    type: 'counter',
    reads: 'misses',
    help: 'Verified-token cache lookups that found no verified claims (the token was verified, or waited for a verification)',
  },
  {
    name: 'token_cache_evictions_total',
    type: 'counter',
    reads: 'evictions',
    help: 'Verified tokens dropped to make room: the cache was full (see the cache.max option)',
  },
  { name: 'token_cache_entries', type: 'gauge', reads: 'size', help: 'Verified tokens held in the cache' },
]

/** The metric names a prefix gives (for the clash check at startup). */
export function cacheMetricNames(prefix: string): string[] {
  return METRICS.map((metric) => `${prefix}${metric.name}`)
}

/**
 * Registers the cache's metrics in the user's registry. Each is an object of prom-client's metric
 * shape (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`) that reads the cache's
 * counters when the registry is scraped, so nothing is done per request beyond the cache's own
 * integer increments. Returns a function that removes them again (on close).
 */
export function registerCacheMetrics(
  { registry, prefix }: ResolvedMetrics,
  stats: () => VerifiedTokenCacheStats,
): () => void {
  const names: string[] = []
  for (const { name, type, reads, help } of METRICS) {
    // `reset()` (registry.resetMetrics()) restarts a counter from zero without touching the cache.
    let base = 0
    const metric = {
      name: `${prefix}${name}`,
      help,
      type,
      aggregator: 'sum' as const,
      async get() {
        const value = type === 'counter' ? stats()[reads] - base : stats()[reads]
        // `this.name`: an OpenMetrics registry renames counters (it strips `_total`).
        return { name: metric.name, help, type, aggregator: 'sum', values: [{ value, labels: {} }] }
      },
      reset() {
        if (type === 'counter') base = stats()[reads]
      },
    }
    registry.registerMetric(metric as never)
    names.push(metric.name)
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name)
  }
}

const METRICS_OPTIONS: KnownKeys = {
  keys: ['registry', 'prefix'],
  elsewhere: {
    register: "is called 'registry' here: your prom-client Registry (or prom-client's `register`)",
    registers: "is called 'registry' here: one prom-client Registry",
  },
}
/** A Prometheus metric name's start (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

/** Checks `metrics` strictly (its keys, the registry's shape, the prefix, names already taken). */
export function resolveMetrics(
  value: unknown,
  cache: { max: number; ttl: number } | false,
  fail: ConfigErrorFactory,
): ResolvedMetrics | undefined {
  if (value === undefined) return undefined
  const metrics = expectRecord(value, 'metrics', fail, '{ registry, prefix? }')
  refuseUnknownKeys(metrics, METRICS_OPTIONS, 'metrics', fail)
  refuseUndefinedValues(metrics, 'metrics', fail)
  const registry = metrics.registry as Record<string, unknown> | null | undefined
  if (
    typeof registry !== 'object' ||
    registry === null ||
    !['registerMetric', 'removeSingleMetric', 'getSingleMetric'].every(
      (method) => typeof registry[method] === 'function',
    )
  ) {
    throw fail(
      'metrics.registry',
      `must be a prom-client Registry (new Registry(), or register from 'prom-client'), got ${describeValue(registry)}`,
    )
  }
  const prefix = optionalString(metrics.prefix, 'metrics.prefix', fail) ?? 'picket_'
  if (!METRIC_PREFIX.test(prefix)) {
    throw fail(
      'metrics.prefix',
      `must start a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${describeValue(prefix)}`,
    )
  }
  if (cache === false) {
    throw fail('metrics', 'counts the verified-token cache, and cache is false: leave one of the two out')
  }
  const checked = registry as unknown as MetricsRegistry
  const taken = cacheMetricNames(prefix).find((name) => checked.getSingleMetric(name) !== undefined)
  if (taken) {
    throw fail(
      'metrics.prefix',
      `the registry has a metric named ${taken} already (another registration?): give this one its own prefix`,
    )
  }
  return { registry: checked, prefix }
}
