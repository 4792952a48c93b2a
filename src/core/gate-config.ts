import { GATE_REQUIREMENT_FIELDS, type GateRequirements, parseGateRequirements } from './gate-requirements.js'
import {
  type ConfigErrorFactory,
  childPath,
  describeValue,
  optionalBoolean,
  refuseUnknownKeys,
} from './strict-input.js'
import type { Requirements } from './types.js'

/** A gate with options, as a route declares it (`config.picket`) or `gate()` takes it. */
export interface GateOptions {
  /** What the wallet must hold (Picket semantics: categories OR-ed, `allowedWallets` an alternative). */
  requirements?: GateRequirements
  /** Let requests without a token through with `picketUser = null`. */
  optional?: boolean
  /** Always ask `/authz` with `revalidate: true` (a fresh chain read), cached briefly per token. */
  revalidate?: boolean
  /** Ask `/authz` when the token's balances do not meet the requirements (overrides the adapter option). */
  incremental?: boolean
}

/** `true`: any signed-in wallet; an object: a gate with options; `false`: opt out of a scope-wide gate. */
export type GateConfig = boolean | GateOptions

/** A gate, validated once at registration. */
export interface ResolvedGate {
  readonly requirements: Requirements
  readonly optional: boolean
  readonly revalidate: boolean
  readonly incremental: boolean | undefined
}

const GATE_KEYS = ['requirements', 'optional', 'revalidate', 'incremental'] as const
const REQUIREMENT_ONE_LEVEL_UP =
  "is a requirement field: it goes inside 'requirements', e.g. { requirements: { contractAddress: '0x…' } }"

const ANY_WALLET: ResolvedGate = Object.freeze({
  requirements: Object.freeze({}),
  optional: false,
  revalidate: false,
  incremental: undefined,
})

/**
 * Parses a gate strictly (see `parseGateRequirements` for the requirement rules). `false` is
 * returned as is (no gate); everything else that is not `true` or a well-formed gate object is
 * refused with its path, so a typo can never leave a route open.
 */
export function parseGateConfig(
  config: unknown,
  path: string,
  fail: ConfigErrorFactory,
): ResolvedGate | false {
  if (config === false) return false
  if (config === true) return ANY_WALLET
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw fail(
      path,
      `must be true, false or { requirements?, optional?, revalidate?, incremental? }, got ${describeValue(config)}`,
    )
  }
  const gate = config as Record<string, unknown>
  refuseUnknownKeys(
    gate,
    {
      keys: GATE_KEYS,
      elsewhere: Object.fromEntries(
        GATE_REQUIREMENT_FIELDS.map((field) => [field, REQUIREMENT_ONE_LEVEL_UP]),
      ),
    },
    path,
    fail,
  )
  const optional = optionalBoolean(gate.optional, childPath(path, 'optional'), fail) ?? false
  const revalidate = optionalBoolean(gate.revalidate, childPath(path, 'revalidate'), fail) ?? false
  const incremental = optionalBoolean(gate.incremental, childPath(path, 'incremental'), fail)
  const requirements =
    gate.requirements === undefined && !Object.hasOwn(gate, 'requirements')
      ? ANY_WALLET.requirements
      : parseGateRequirements(gate.requirements, childPath(path, 'requirements'), fail)
  const hasRequirements = Object.keys(requirements).length > 0
  if (revalidate && !hasRequirements) {
    throw fail(
      childPath(path, 'revalidate'),
      'needs requirements to revalidate: add requirements or remove it',
    )
  }
  if (incremental === true && !hasRequirements) {
    throw fail(
      childPath(path, 'incremental'),
      'needs requirements to authorize: add requirements or remove it',
    )
  }
  return Object.freeze({ requirements, optional, revalidate, incremental })
}
