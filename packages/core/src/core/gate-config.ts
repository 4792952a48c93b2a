import { chainTypeOf } from './chain-type.js'
import { DEFAULT_CHAIN_ALIASES } from './gate-chains.js'
import type { Caip2ChainId, CompiledGate, GateExpression } from './gate-language.js'
import { parseGateExpression } from './gate-parse.js'
import { GATE_REQUIREMENT_FIELDS, type GateRequirements, parseGateRequirements } from './gate-requirements.js'
import {
  type ConfigErrorFactory,
  childPath,
  describeValue,
  expectRecord,
  optionalBoolean,
  refuseUndefinedValues,
  refuseUnknownKeys,
} from './strict-input.js'
import type { Requirements } from './types.js'

/** A gate with options, as a route declares it (`config.picket`) or `gate()` takes it. */
export interface GateOptions {
  /** What the wallet must hold (Picket semantics: categories OR-ed, `allowedWallets` an alternative). */
  requirements?: GateRequirements
  /**
   * A gate in the gate language (`all`/`any`/`atLeast`/`not` over typed conditions on named
   * chains). Instead of `requirements` (which are one case of it: `{ picket: { … } }`).
   */
  gate?: GateExpression
  /** Let requests without a token through with `picketUser = null`. */
  optional?: boolean
  /** Always ask `/authz` with `revalidate: true` (a fresh chain read), cached briefly per token. */
  revalidate?: boolean
  /**
   * Ask `/authz` when the token's balances do not meet the requirements (overrides the adapter
   * option). A `gate` asks by default (a login records no gate answers); `false` decides from
   * the token alone.
   */
  incremental?: boolean
  /**
   * The chain the requirements apply to (a slug such as `ethereum`, `polygon`, `solana`);
   * default the adapter's `chain`. A token signed in on another chain never satisfies them.
   * With `gate`: the chain of the conditions that name none.
   */
  chain?: string
}

/** `true`: any signed-in wallet; an object: a gate with options; `false`: opt out of a scope-wide gate. */
export type GateConfig = boolean | GateOptions

/** A gate, validated once at registration. */
export interface ResolvedGate {
  readonly requirements: Requirements
  /** The chain the requirements apply to. */
  readonly chain: string
  readonly optional: boolean
  readonly revalidate: boolean
  readonly incremental: boolean | undefined
  /** The route's gate in the gate language, compiled (absent: `requirements` decide). */
  readonly gate?: CompiledGate
}

const GATE_KEYS = ['requirements', 'gate', 'optional', 'revalidate', 'incremental', 'chain'] as const
const GATE_SHAPE = '{ requirements? | gate?, optional?, revalidate?, incremental?, chain? }'
const REQUIREMENT_ONE_LEVEL_UP =
  "is a requirement field: it goes inside 'requirements', e.g. { requirements: { contractAddress: '0x…' } }"
const CHAIN_SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/
const NO_REQUIREMENTS: Requirements = Object.freeze({})

/** A chain slug as tokens carry it in their `chain` claim (`ethereum`, `polygon`, `solana`, …). */
export function parseChainSlug(value: unknown, path: string, fail: ConfigErrorFactory): string {
  if (typeof value !== 'string' || !CHAIN_SLUG.test(value)) {
    throw fail(
      path,
      `must be a chain slug such as 'ethereum', 'polygon' or 'solana', got ${describeValue(value)}`,
    )
  }
  return value
}

/**
 * Parses a gate strictly (see `parseGateRequirements` for the requirement rules). `false` is
 * returned as is (no gate); everything else that is not `true` or a well-formed gate object is
 * refused with its path, so a typo can never leave a route open.
 *
 * @param defaultChain the chain of a gate that names none (the adapter's `chain` option)
 */
export function parseGateConfig(
  config: unknown,
  path: string,
  fail: ConfigErrorFactory,
  defaultChain: string,
  /** Chain aliases a `gate` may use (the adapter's `chainAliases` over the defaults). */
  aliases: Readonly<Record<string, Caip2ChainId>> = DEFAULT_CHAIN_ALIASES,
): ResolvedGate | false {
  return parseGate(config, path, fail, defaultChain, aliases) as ResolvedGate | false
}

/**
 * Checks a gate before the chain it defaults to is known (Express's `requireWallet()` is written
 * before the app's `picket()` options are in reach): every rule of `parseGateConfig` runs, with
 * the requirements' chain family inferred from their fields unless the gate names its chain.
 * The gate is parsed again, with the adapter's chain, when it first meets a request.
 */
export function validateGateConfig(config: unknown, path: string, fail: ConfigErrorFactory): void {
  parseGate(config, path, fail, undefined, undefined)
}

function parseGate(
  config: unknown,
  path: string,
  fail: ConfigErrorFactory,
  defaultChain: string | undefined,
  /** Absent: the adapter is not known yet (any alias-shaped chain passes until it is). */
  aliases: Readonly<Record<string, Caip2ChainId>> | undefined,
): ResolvedGate | false {
  if (config === false) return false
  if (config === true) {
    return Object.freeze({
      requirements: NO_REQUIREMENTS,
      chain: defaultChain as string,
      optional: false,
      revalidate: false,
      incremental: undefined,
    })
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw fail(path, `must be true, false or ${GATE_SHAPE}, got ${describeValue(config)}`)
  }
  const gate = expectRecord(config, path, fail, GATE_SHAPE)
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
  // `{ optional: process.env.X }` with X unset is a mistake, not "the default".
  refuseUndefinedValues(gate, path, fail)
  const optional = optionalBoolean(gate.optional, childPath(path, 'optional'), fail) ?? false
  const revalidate = optionalBoolean(gate.revalidate, childPath(path, 'revalidate'), fail) ?? false
  const incremental = optionalBoolean(gate.incremental, childPath(path, 'incremental'), fail)
  const chain = Object.hasOwn(gate, 'chain')
    ? parseChainSlug(gate.chain, childPath(path, 'chain'), fail)
    : defaultChain
  const requirements = Object.hasOwn(gate, 'requirements')
    ? parseGateRequirements(
        gate.requirements,
        childPath(path, 'requirements'),
        fail,
        chain === undefined ? undefined : chainTypeOf(chain),
      )
    : NO_REQUIREMENTS
  if (Object.hasOwn(gate, 'gate') && Object.hasOwn(gate, 'requirements')) {
    throw fail(
      childPath(path, 'requirements'),
      "and 'gate' together: use one — Picket requirements go inside a gate as { picket: { … } } (and { allowlist: [ … ] })",
    )
  }
  const compiled = Object.hasOwn(gate, 'gate')
    ? parseGateExpression(gate.gate, childPath(path, 'gate'), fail, {
        aliases: aliases ?? DEFAULT_CHAIN_ALIASES,
        defaultChain: chain,
        lenientAliases: aliases === undefined,
      })
    : undefined
  const hasRequirements = Object.keys(requirements).length > 0 || compiled !== undefined
  if (revalidate && !hasRequirements) {
    throw fail(
      childPath(path, 'revalidate'),
      'needs requirements or a gate to revalidate: add one or remove it',
    )
  }
  if (incremental === true && !hasRequirements) {
    throw fail(
      childPath(path, 'incremental'),
      'needs requirements or a gate to authorize: add one or remove it',
    )
  }
  return Object.freeze({
    requirements,
    chain: chain as string,
    optional,
    revalidate,
    incremental,
    ...(compiled ? { gate: compiled } : {}),
  })
}
