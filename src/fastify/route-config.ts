import { type GateConfig, type GateOptions, parseGateConfig, type ResolvedGate } from 'picket-core'
import { optionsError } from './errors.js'

/** What a route may declare in `config.picket` (the same object `fastify.picket.gate()` takes). */
export type PicketRouteOptions = GateOptions

/** `true`: any signed-in wallet; an object: a gate with options; `false`: opt out of a scope-wide gate. */
export type PicketRouteConfig = GateConfig

export type { ResolvedGate }

/**
 * Parses `config.picket` (or `gate(opts)`) strictly; a mistake is a `PicketOptionsError` whose
 * message names the place, e.g. `config.picket.requirements of GET /holders: unknown key
 * 'contractAdress' — did you mean 'contractAddress'?`.
 *
 * @param where what is being parsed (`config.picket`, `gate()`)
 * @param defaultChain the chain of a gate that names none (the plugin's `chain`)
 * @param aliases the chain aliases a `gate` may use (the plugin's `chainAliases` over the defaults)
 * @param route `GET /holders`, appended to the path of every message
 */
export function resolveGate(
  config: unknown,
  where: string,
  defaultChain: string,
  aliases: Readonly<Record<string, string>>,
  route?: string,
): ResolvedGate | false {
  const suffix = route === undefined ? '' : ` of ${route}`
  return parseGateConfig(
    config,
    where,
    (path, problem) => optionsError(`${path}${suffix}`, problem),
    defaultChain,
    aliases,
  )
}
