import type { PicketClient } from '../client/index.js'
import { PicketAPIError } from '../client/index.js'
import type { AccessTokenPayload, CompiledGate, Requirements } from '../core/index.js'
import { gateExpressionOf, requirementsKey, SingleFlightCache, tokenCacheKey } from '../core/index.js'
import type { Refusals } from './refusals.js'
import { toClientError } from './upstream.js'

export type AuthzOutcome =
  | { granted: true; accessToken: string; claims: AccessTokenPayload }
  | { granted: false; reason: string }

export interface Authorizer {
  /** `/authz` for a token that lacks the requirements (incremental authorization, §6.4). */
  incremental(token: string, requirements: Requirements): Promise<AuthzOutcome>
  /** `/authz` with `revalidate: true`: a fresh chain read. */
  revalidate(token: string, requirements: Requirements): Promise<AuthzOutcome>
  /**
   * `/authz` with a gate (this package's extension): a token that records the gate's answers, or
   * the authority's refusal (its message says which part failed). `revalidate`: read afresh.
   */
  gate(token: string, gate: CompiledGate, revalidate: boolean): Promise<AuthzOutcome>
}

/**
 * Asks the API to authorize a token for new requirements. Answers are cached per token and
 * requirements for a short time (`ttl`), and concurrent identical questions share one call, so
 * a client that ignores the new token (or polls a `revalidate` route) cannot turn every request
 * into a chain read. Upstream failures are never cached.
 */
export function createAuthorizer(options: {
  client: PicketClient
  verifyIssuedToken: (token: string) => Promise<AccessTokenPayload>
  cache: { max: number; ttl: number }
  realm: string
  refusals: Refusals
}): Authorizer {
  const { client, realm, refusals } = options
  const answers = new SingleFlightCache<AuthzOutcome>({ max: options.cache.max })

  type Question = { requirements: Requirements } | { gate: CompiledGate }
  const keyOf = (token: string, question: Question, revalidate: boolean) =>
    `${revalidate ? 'r' : 'i'}:${tokenCacheKey(token)}:${
      'gate' in question ? `g:${question.gate.key}` : requirementsKey(question.requirements)
    }`

  async function ask(token: string, question: Question, revalidate: boolean): Promise<AuthzOutcome> {
    return answers.get(keyOf(token, question, revalidate), async () => {
      try {
        const { accessToken } = await client.authz(
          'gate' in question
            ? { accessToken: token, gate: gateExpressionOf(question.gate.root), revalidate }
            : { accessToken: token, requirements: question.requirements, revalidate },
        )
        // The new token is checked like any other before its claims are trusted.
        const claims = await options.verifyIssuedToken(accessToken)
        const outcome: AuthzOutcome = { granted: true, accessToken, claims }
        if (revalidate && accessToken !== token) {
          // The token just handed out was proven by this very read: a client that switches to
          // it must not turn each following request into another chain read.
          answers.set(keyOf(accessToken, question, true), outcome, options.cache.ttl)
        }
        return { value: outcome, ttl: options.cache.ttl }
      } catch (error) {
        if (error instanceof PicketAPIError && (error.status === 403 || error.status === 400)) {
          return { value: { granted: false, reason: error.msg }, ttl: options.cache.ttl }
        }
        throw toClientError(error, refusals, realm)
      }
    })
  }

  return {
    incremental: (token, requirements) => ask(token, { requirements }, false),
    revalidate: (token, requirements) => ask(token, { requirements }, true),
    gate: (token, gate, revalidate) => ask(token, { gate }, revalidate),
  }
}
