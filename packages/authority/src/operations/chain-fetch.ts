import type { ChainRegistry } from '../chains/registry.js'
import type { AuthorityMetrics } from './metrics.js'

interface EndpointLabel {
  chain: string
  endpoint: string
}

const UNKNOWN: EndpointLabel = { chain: 'unknown', endpoint: 'unknown' }

/**
 * The label of every chain endpoint URL the registry knows: `rpcUrl` is `rpc`, `dasUrl` is
 * `das`; a list of URLs (`rpcUrls`) is `rpc#1`, `rpc#2`… (a URL already named keeps its name).
 * The URL itself is never a label: RPC URLs often carry an API key.
 */
function endpointLabels(chains: ChainRegistry): Map<string, EndpointLabel> {
  const labels = new Map<string, EndpointLabel>()
  const add = (url: string, label: EndpointLabel) => {
    for (const key of [url, normalized(url)]) if (key && !labels.has(key)) labels.set(key, label)
  }
  for (const chain of chains.list()) {
    for (const [field, value] of Object.entries(chain)) {
      const name = /^(.+?)Urls?$/.exec(field)?.[1]
      if (!name) continue
      if (typeof value === 'string') add(value, { chain: chain.slug, endpoint: name })
      else if (Array.isArray(value)) {
        value.forEach((url, i) => {
          if (typeof url === 'string') add(url, { chain: chain.slug, endpoint: `${name}#${i}` })
        })
      }
    }
  }
  return labels
}

function normalized(url: string): string | undefined {
  try {
    return new URL(url).href
  } catch {
    return undefined
  }
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input
  if (input instanceof URL) return input.href
  return input.url
}

/** `chain slug/endpoint name` of a chain URL (never the URL: it may carry an API key). */
export function chainEndpointNamer(chains: ChainRegistry): (url: string) => string {
  const labels = endpointLabels(chains)
  return (url) => {
    const label = labels.get(url) ?? labels.get(normalized(url) ?? '') ?? UNKNOWN
    return `${label.chain}/${label.endpoint}`
  }
}

/**
 * A `fetch` for the balance reader that times each chain request and counts its failures, by
 * chain slug and endpoint. It changes nothing about the request or its answer.
 */
export function instrumentedChainFetch(
  metrics: AuthorityMetrics,
  chains: ChainRegistry,
  base: typeof fetch = globalThis.fetch,
): typeof fetch {
  const labels = endpointLabels(chains)
  const labelOf = (url: string) => labels.get(url) ?? labels.get(normalized(url) ?? '') ?? UNKNOWN
  return async (input, init) => {
    const label = labelOf(urlOf(input))
    const stop = metrics.chainRequestDuration.startTimer(label)
    try {
      const response = await base(input, init)
      stop()
      if (!response.ok) metrics.chainRequestErrors.inc({ ...label, kind: 'http_status' })
      return response
    } catch (error) {
      stop()
      const name = (error as Error | undefined)?.name
      const kind = name === 'AbortError' || name === 'TimeoutError' ? 'timeout_or_abort' : 'network'
      metrics.chainRequestErrors.inc({ ...label, kind })
      throw error
    }
  }
}
