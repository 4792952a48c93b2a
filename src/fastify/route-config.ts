import type { Requirements, RequirementsInput } from '../core/types.js'
import { PicketOptionsError } from './errors.js'
import { resolveRequirements } from './options.js'

/** What a route may declare in `config.picket`. */
export interface PicketRouteOptions {
  /** Token-gating requirements (Picket semantics: categories OR-ed, `allowedWallets` an alternative). */
  requirements?: RequirementsInput
  /** Let requests without a token through with `request.picketUser = null`. */
  optional?: boolean
  /** Always ask `/authz` with `revalidate: true` (a fresh chain read), cached briefly per token. */
  revalidate?: boolean
  /** Ask `/authz` when the token's balances do not meet the requirements (overrides the plugin option). */
  incremental?: boolean
}

/** `true`: any signed-in wallet; an object: a gate with options; `false`: opt out of a scope-wide gate. */
export type PicketRouteConfig = boolean | PicketRouteOptions

/** A route's gate, resolved once at registration. */
export interface ResolvedGate {
  requirements: Requirements
  optional: boolean
  revalidate: boolean
  incremental: boolean | undefined
}

/** Parses `config.picket` (or `gate(opts)`); a mistake is a registration error naming the route. */
export function resolveGate(config: PicketRouteConfig, where: string): ResolvedGate | false {
  if (config === false) return false
  if (config === true)
    return {
      requirements: resolveRequirements(undefined, where),
      optional: false,
      revalidate: false,
      incremental: undefined,
    }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PicketOptionsError(
      where,
      'must be true, false or { requirements?, optional?, revalidate?, incremental? }',
    )
  }
  for (const flag of ['optional', 'revalidate', 'incremental'] as const) {
    if (config[flag] !== undefined && typeof config[flag] !== 'boolean') {
      throw new PicketOptionsError(`${where}.${flag}`, 'must be a boolean')
    }
  }
  return {
    requirements: resolveRequirements(config.requirements, `${where}.requirements`),
    optional: config.optional ?? false,
    revalidate: config.revalidate ?? false,
    incremental: config.incremental,
  }
}
