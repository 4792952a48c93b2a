import { isValidTimeout } from './client-options.js'
import { PicketArgumentError, type RequestIdentity } from './errors.js'

/**
 * Argument checks run before a request is built, so a call with a missing wallet address or
 * token never reaches the network and fails with `PicketArgumentError` instead of a TypeError.
 */

export function requireRecord(
  value: unknown,
  name: string,
  request: RequestIdentity,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PicketArgumentError(name, 'must be an object', request)
  }
  return value as Record<string, unknown>
}

export function requireNonEmptyString(value: unknown, name: string, request: RequestIdentity): string {
  if (typeof value !== 'string' || value === '') {
    throw new PicketArgumentError(name, 'must be a non-empty string', request)
  }
  return value
}

export function optionalString(value: unknown, name: string, request: RequestIdentity): string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new PicketArgumentError(name, 'must be a string when given', request)
  }
  return value
}

export function optionalRecord<T>(
  value: T | undefined,
  name: string,
  request: RequestIdentity,
): T | undefined {
  return value === undefined ? undefined : (requireRecord(value, name, request) as T)
}

export function optionalBoolean(value: unknown, name: string, request: RequestIdentity): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new PicketArgumentError(name, 'must be a boolean when given', request)
  }
  return value
}

/** `chain` defaults to `ethereum` (every SDK's default, §9 #20); an explicit value must be a slug. */
export function chainOrDefault(value: unknown, request: RequestIdentity): string {
  return value === undefined ? 'ethereum' : requireNonEmptyString(value, 'chain', request)
}

/** Per-call options after validation, with the client's timeout filled in. */
export interface ResolvedCallOptions {
  signal: AbortSignal | undefined
  timeout: number
}

export function resolveCallOptions(
  value: unknown,
  defaultTimeout: number,
  request: RequestIdentity,
): ResolvedCallOptions {
  const given: { signal?: unknown; timeout?: unknown } = optionalRecord(value, 'options', request) ?? {}
  const { signal, timeout = defaultTimeout } = given
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new PicketArgumentError('options.signal', 'must be an AbortSignal', request)
  }
  if (!isValidTimeout(timeout)) {
    throw new PicketArgumentError(
      'options.timeout',
      'must be a positive integer number of milliseconds',
      request,
    )
  }
  return { signal, timeout }
}
