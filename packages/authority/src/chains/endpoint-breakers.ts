/**
 * A circuit breaker per RPC endpoint. After `failures` consecutive failures an endpoint is
 * *open*: calls skip it at once instead of each waiting for a timeout. After `cooldownMs` one
 * call (the probe) may try it again (*half-open*); its success closes the circuit, its failure
 * opens it for another cooldown. Only failures of the endpoint count (no answer, an HTTP error,
 * a JSON-RPC error about the node); a contract that reverts is an answer.
 */

export interface EndpointBreakerOptions {
  /** Consecutive failures that open an endpoint. */
  failures: number
  /** Milliseconds an open endpoint is skipped. */
  cooldownMs: number
  now?: () => number
  /** Told when an endpoint opens (not on each failed probe after) and when it works again. */
  onChange?: (url: string, state: 'open' | 'closed') => void
}

type State =
  | { kind: 'closed'; failures: number }
  | { kind: 'open'; until: number }
  /** One probe is out; if it never reports (its caller went away), another may go at `until`. */
  | { kind: 'half-open'; until: number }

/** What a caller may do with an endpoint right now. */
export type Admission = { admitted: true } | { admitted: false; retryInMs: number }

export interface EndpointBreakers {
  /** Whether a call may go to `url` now; a half-open endpoint admits only its probe. */
  admit(url: string): Admission
  succeeded(url: string): void
  failed(url: string): void
  /** The call said nothing either way: a half-open endpoint may be probed again at once. */
  released(url: string): void
  /** Open endpoints, for logs and tests. */
  openEndpoints(): string[]
}

export function createEndpointBreakers(options: EndpointBreakerOptions): EndpointBreakers {
  const now = options.now ?? Date.now
  const states = new Map<string, State>()
  const stateOf = (url: string): State => states.get(url) ?? { kind: 'closed', failures: 0 }

  return {
    admit(url) {
      const state = stateOf(url)
      if (state.kind === 'closed') return { admitted: true }
      const wait = state.until - now()
      if (wait > 0) return { admitted: false, retryInMs: wait }
      // The cooldown is over: this call is the probe; others keep skipping until it answers.
      states.set(url, { kind: 'half-open', until: now() + options.cooldownMs })
      return { admitted: true }
    },
    succeeded(url) {
      const state = states.get(url)
      if (!state) return
      states.delete(url)
      if (state.kind !== 'closed') options.onChange?.(url, 'closed')
    },
    failed(url) {
      const state = stateOf(url)
      const failures = state.kind === 'closed' ? state.failures + 1 : options.failures
      const opens = failures >= options.failures
      states.set(
        url,
        opens ? { kind: 'open', until: now() + options.cooldownMs } : { kind: 'closed', failures },
      )
      if (opens && state.kind === 'closed') options.onChange?.(url, 'open')
    },
    released(url) {
      const state = states.get(url)
      if (state?.kind === 'half-open') states.set(url, { kind: 'half-open', until: now() })
    },
    openEndpoints() {
      return [...states].filter(([, state]) => state.kind !== 'closed').map(([url]) => url)
    },
  }
}
