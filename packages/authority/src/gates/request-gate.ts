import { type CompiledGate, parseGateExpression } from 'picket-core'
import { invalidField } from '../errors.js'
import type { AuthorityRuntime } from '../runtime.js'

/**
 * A gate sent to `/authz` or `/auth/validate`, parsed by core's one strict parser with this
 * authority's chain aliases: a mistake is a 400 naming its path (`gate.all[1].erc20.min …`).
 * Conditions must name their chain (a request has no default chain).
 */
export function parseRequestGate(
  runtime: Pick<AuthorityRuntime, 'gateChains'>,
  value: unknown,
): CompiledGate {
  return parseGateExpression(value, 'gate', invalidField, { aliases: runtime.gateChains.aliases })
}
