import type { JSONWebKeySet } from 'jose'
import type { ConfigErrorFactory } from '../core/index.js'
import {
  childPath,
  closestKey,
  describeValue,
  expectRecord,
  httpUrl,
  isRecord,
  type KnownKeys,
  optionalInteger,
  optionalString,
  refuseUndefinedValues,
  refuseUnknownKeys,
  requiredString,
} from '../core/index.js'

/** Local verification against the authority's published keys (no network per request). */
export interface VerifyOptions {
  /** JWKS URL (e.g. `http://127.0.0.1:8787/api/v1/.well-known/jwks.json`) or a key set object. */
  jwks: string | URL | JSONWebKeySet
  /** Project id: the required `aud`. */
  audience: string
  /** Required `iss` (recommended). */
  issuer?: string
  /** Default `['ES256']`. */
  algorithms?: string[]
  /** Seconds of clock skew allowed (default 5). */
  clockTolerance?: number
  /** JWKS fetch timeout in ms (default 5000). */
  timeout?: number
  /** Minimum ms between JWKS refetches for an unknown `kid` (default 30 000). */
  cooldown?: number
  /**
   * How often the JWKS is fetched again, in ms (default 60 000). A key removed from the JWKS
   * stops verifying within this time: new tokens signed with it are refused, and cached tokens
   * signed with it are dropped. Keys already held keep working while the JWKS is unreachable.
   */
  maxAge?: number
}

export interface ResolvedVerifyOptions extends Omit<VerifyOptions, 'jwks' | 'maxAge'> {
  /** A key set object, or the JWKS URL (always http(s)). */
  jwks: URL | JSONWebKeySet
  maxAge: number
}

/** Default JWKS refresh interval: the longest a removed signing key keeps working. */
export const DEFAULT_JWKS_MAX_AGE_MS = 60_000

const VERIFY: KnownKeys = {
  keys: ['jwks', 'audience', 'issuer', 'algorithms', 'clockTolerance', 'timeout', 'cooldown', 'maxAge'],
  elsewhere: {
    jwksUri: "is called 'jwks'",
    jwksUrl: "is called 'jwks'",
    aud: "is called 'audience'",
    iss: "is called 'issuer'",
  },
}
/** Asymmetric JWS algorithms: a public key set can verify nothing else. */
const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
]
/** Largest delay timers accept (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647

/**
 * A key set given as an object: public keys only. A symmetric (`oct`) key would let anyone who
 * reads the configuration mint tokens, and a private key (`d`) does not belong in a verifier.
 */
function resolveKeySet(value: Record<string, unknown>, fail: ConfigErrorFactory): JSONWebKeySet {
  const path = 'verify.jwks'
  const keySet = expectRecord(value, path, fail, 'a key set ({ keys: [...] })')
  refuseUnknownKeys(keySet, { keys: ['keys'] }, path, fail)
  if (!Array.isArray(keySet.keys) || keySet.keys.length === 0) {
    throw fail(
      childPath(path, 'keys'),
      `must be a non-empty array of public JWKs, got ${describeValue(keySet.keys)}`,
    )
  }
  for (const [index, key] of keySet.keys.entries()) {
    const at = `${path}.keys[${index}]`
    if (!isRecord(key) || typeof key.kty !== 'string') throw fail(at, 'must be a JWK with a kty')
    if (key.kty === 'oct') throw fail(at, 'is a symmetric (oct) key: a verifier needs the public keys only')
    if (key.kty !== 'EC' && key.kty !== 'RSA' && key.kty !== 'OKP') {
      throw fail(at, `has an unknown kty ${describeValue(key.kty)} (EC, RSA or OKP)`)
    }
    if ('d' in key) throw fail(at, 'is a private key (it has d): publish and configure the public key only')
  }
  return keySet as unknown as JSONWebKeySet
}

function resolveAlgorithms(value: unknown, fail: ConfigErrorFactory): string[] {
  const path = 'verify.algorithms'
  if (!Array.isArray(value) || value.length === 0) {
    throw fail(
      path,
      `must be a non-empty array of algorithm names, e.g. ['ES256'], got ${describeValue(value)}`,
    )
  }
  for (const [index, algorithm] of value.entries()) {
    if (typeof algorithm === 'string' && ASYMMETRIC_ALGORITHMS.includes(algorithm)) continue
    const at = `${path}[${index}]`
    if (typeof algorithm === 'string' && (algorithm.toLowerCase() === 'none' || /^hs/i.test(algorithm))) {
      // Symmetric algorithms with a public key set is the classic algorithm-confusion hole.
      throw fail(at, `must not be "none" or an HMAC algorithm (${algorithm}): Picket signs with ES256`)
    }
    const suggestion =
      typeof algorithm === 'string' ? closestKey(algorithm, ASYMMETRIC_ALGORITHMS) : undefined
    throw fail(
      at,
      `must be an asymmetric JWS algorithm (${ASYMMETRIC_ALGORITHMS.join(', ')}), got ${describeValue(algorithm)}${
        suggestion ? ` — did you mean '${suggestion}'?` : ''
      }`,
    )
  }
  return value as string[]
}

export function resolveVerify(
  value: unknown,
  audience: unknown,
  fail: ConfigErrorFactory,
): ResolvedVerifyOptions | undefined {
  if (value === undefined) return undefined
  const verify = expectRecord(value, 'verify', fail, '{ jwks, audience, issuer? }')
  refuseUnknownKeys(verify, VERIFY, 'verify', fail)
  refuseUndefinedValues(verify, 'verify', fail)
  if (audience !== undefined) {
    throw fail('audience', 'is for remote mode (no verify); with local verification it is verify.audience')
  }
  let jwks: URL | JSONWebKeySet
  if (typeof verify.jwks === 'string' || verify.jwks instanceof URL) {
    jwks = httpUrl(verify.jwks, 'verify.jwks', fail)
  } else if (isRecord(verify.jwks)) {
    jwks = resolveKeySet(verify.jwks, fail)
  } else {
    throw fail(
      'verify.jwks',
      `must be the JWKS URL or a key set ({ keys: [...] }), got ${describeValue(verify.jwks)}`,
    )
  }
  const resolved: ResolvedVerifyOptions = {
    jwks,
    audience: requiredString(verify.audience, 'verify.audience', fail, "the project id (the tokens' aud)"),
    maxAge: optionalInteger(verify.maxAge, 'verify.maxAge', fail, {
      min: 100,
      max: MAX_TIMER_MS,
      fallback: DEFAULT_JWKS_MAX_AGE_MS,
    }),
  }
  const issuer = optionalString(verify.issuer, 'verify.issuer', fail)
  if (issuer !== undefined) resolved.issuer = issuer
  if (verify.algorithms !== undefined) resolved.algorithms = resolveAlgorithms(verify.algorithms, fail)
  if (verify.clockTolerance !== undefined) {
    resolved.clockTolerance = optionalInteger(verify.clockTolerance, 'verify.clockTolerance', fail, {
      min: 0,
      max: 300,
      fallback: 5,
    })
  }
  for (const key of ['timeout', 'cooldown'] as const) {
    if (verify[key] !== undefined) {
      resolved[key] = optionalInteger(verify[key], `verify.${key}`, fail, {
        min: 1,
        max: MAX_TIMER_MS,
        fallback: 0,
      })
    }
  }
  return resolved
}
