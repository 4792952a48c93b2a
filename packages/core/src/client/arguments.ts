import {
  type ConfigErrorFactory,
  describeValue,
  optionalObject,
  optionalString,
} from '../core/strict-input.js'
import { resolveTimeout } from './client-options.js'
import { PicketArgumentError, type RequestIdentity } from './errors.js'

/**
 * Argument checks run before a request is built, so a call with a missing wallet address or
 * token never reaches the network and fails with `PicketArgumentError` instead of a TypeError.
 * The checks themselves are core's strict-input helpers (`requiredString`, `expectObject`, …),
 * given the factory below.
 */

/** The error factory of core's strict-input checks for one call: a `PicketArgumentError` naming it. */
export function argumentErrors(request: RequestIdentity): ConfigErrorFactory {
  return (argument, problem) => new PicketArgumentError(argument, problem, request)
}

/** `chain` defaults to `ethereum` (every SDK's default, §9 #20); an explicit value must be a slug. */
export function chainOrDefault(value: unknown, fail: ConfigErrorFactory): string {
  return optionalString(value, 'chain', fail) ?? 'ethereum'
}

/** Per-call options after validation, with the client's timeout filled in. */
export interface ResolvedCallOptions {
  signal: AbortSignal | undefined
  timeout: number
}

export function resolveCallOptions(
  value: unknown,
  defaultTimeout: number,
  fail: ConfigErrorFactory,
): ResolvedCallOptions {
  const { signal, timeout } = optionalObject(value, 'options', fail) ?? {}
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw fail('options.signal', `must be an AbortSignal, got ${describeValue(signal)}`)
  }
  // The constructor's `timeout` rule, so a per-call timeout is never one the client would refuse.
  return { signal, timeout: resolveTimeout(timeout, 'options.timeout', fail, defaultTimeout) }
}
