import type { ConfigErrorFactory, KnownKeys, SigningMessageFormat } from 'picket-core'
import {
  absoluteUrl,
  childPath,
  describeValue,
  expectRecord,
  oneOf,
  optionalInteger,
  optionalString,
  refuseUnknownKeys,
  requiredInteger,
  requiredString,
} from 'picket-core'
import { SIGNATURE_BACKENDS, type SignatureBackendPreference } from './signatures/secp256k1-backends.js'
import { parseSigningKeyEntries, type SigningKeyEntry } from './tokens/key-set.js'

/**
 * The authority's JSON configuration (issue 3). `parseAuthorityConfig` validates untrusted
 * input (a config file, CLI, or programmatic options) and fails with an error that names the
 * field, so a typo is caught at start and not at the first login.
 */

export interface ProjectConfigInput {
  id: string
  name?: string
  publishableKey: string
  secretKey: string
  format?: SigningMessageFormat
  statement?: string
  allowedDomains?: string[]
  tokenTTL?: number
  /** OAuth 2.0 redirect URIs, matched exactly; without them the project cannot use `/oauth2/authorize`. */
  redirectUris?: string[]
  /** Seconds a refresh-token family (an OAuth session) lives at most; default 14 days. */
  refreshTokenTTL?: number
  /** Access tokens from `/oauth2/token`: Picket's claims (default) or RFC 9068 (`typ: at+jwt`). */
  accessTokenFormat?: AccessTokenFormat
}

export type AccessTokenFormat = 'picket' | 'rfc9068'

export interface ChainOverrideInput {
  rpcUrl?: string
  /** Several RPC endpoints of one chain, tried in order (the next when one fails or is down). Excludes `rpcUrl`. */
  rpcUrls?: string[]
  chainId?: number
  dasUrl?: string
}

/** A P-256 private key as JSON Web Key. */
export interface PrivateEcJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  d: string
  kid?: string
  [member: string]: unknown
}

export interface AuthorityConfigInput {
  /** `iss` of minted tokens; default the authority's own base URL (…/api/v1). */
  issuer?: string
  signingKey?: PrivateEcJwk
  /** Key rotation: next, current and retired keys (exactly one current). Excludes `signingKey`. */
  signingKeys?: SigningKeyEntry[]
  /**
   * Where the signing key (a JWK) or key set (`{ "signingKeys": [...] }`) is read from; a key
   * is generated into it when the file does not exist.
   */
  signingKeyFile?: string
  redisUrl?: string
  /** Nonce lifetime in seconds; default 120 (reference §4.4). */
  nonceTTL?: number
  projects: ProjectConfigInput[]
  chains?: Record<string, ChainOverrideInput>
  /** Rate limits of `auth/nonce`, `auth` and `authz` (429 + Retry-After), or `false` for none. */
  rateLimit?: RateLimitConfigInput | false
  /**
   * `GET {prefix}/metrics` (Prometheus): `true` (default) serves it publicly, `false` does not
   * serve it, `{ bearerToken }` serves it only to `Authorization: Bearer <bearerToken>`.
   */
  metrics?: boolean | MetricsConfigInput
  /** How chain reads survive a bad RPC: circuit breaker and balance cache. */
  chainReads?: ChainReadsConfigInput
  /**
   * secp256k1 recovery of EOA logins: `auto` (default) takes the first of `native` (libsecp256k1
   * addon, optional `secp256k1` package), `wasm` (optional `tiny-secp256k1`) and `noble`
   * (JavaScript) that loads and passes a self-test; a named one must, or the authority does not start.
   */
  signatureBackend?: SignatureBackendPreference
  /**
   * CLI: processes serving the port (node:cluster), a count or `auto` (one per core); default 1.
   * More than one needs `redisUrl`: nonces and OAuth grants must be shared to stay single-use.
   */
  workers?: number | 'auto'
}

export interface ChainReadsConfigInput {
  /** Consecutive failures of one RPC endpoint that open its circuit (default 3). */
  breakerFailures?: number
  /** Seconds an open endpoint is skipped before one probe request may try it again (default 10). */
  breakerCooldownSeconds?: number
  /**
   * Seconds a balance read is reused for the same (chain, contract, owner, ids); default 0 (off):
   * within this age a transfer out is not seen, so a gate may open for tokens already gone.
   */
  balanceCacheSeconds?: number
}

export interface ChainReadsConfig {
  readonly breakerFailures: number
  readonly breakerCooldownSeconds: number
  readonly balanceCacheSeconds: number
}

export interface MetricsConfigInput {
  /** At least 16 characters; the scraper sends it as `Authorization: Bearer <token>`. */
  bearerToken?: string
}

export interface MetricsConfig {
  readonly enabled: boolean
  readonly bearerToken?: string
}

/** At most `max` requests per `windowSeconds`. */
export interface RateLimitWindowInput {
  max: number
  windowSeconds?: number
}

export interface RateLimitConfigInput {
  /** Per client IP (default 1200 per minute: an app server forwards all its users' logins). */
  perIp?: RateLimitWindowInput | false
  /** Per wallet address (default 30 per minute), counted per endpoint. */
  perWallet?: RateLimitWindowInput | false
}

export interface RateLimitWindow {
  readonly max: number
  readonly windowMs: number
}

export interface RateLimitConfig {
  readonly perIp: RateLimitWindow | false
  readonly perWallet: RateLimitWindow | false
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = Object.freeze({
  perIp: Object.freeze({ max: 1200, windowMs: 60_000 }),
  perWallet: Object.freeze({ max: 30, windowMs: 60_000 }),
})

export interface ProjectConfig {
  readonly id: string
  readonly name: string
  readonly publishableKey: string
  readonly secretKey: string
  readonly format: SigningMessageFormat
  readonly statement: string
  /** SIWE `domain` allowlist (host[:port], lower case); required for SIWE projects. */
  readonly allowedDomains?: readonly string[]
  /** Access-token lifetime in seconds. */
  readonly tokenTTL: number
  /** Exact-match OAuth redirect URIs (none: no OAuth for this project). */
  readonly redirectUris: readonly string[]
  readonly refreshTokenTTL: number
  readonly accessTokenFormat: AccessTokenFormat
}

export interface AuthorityConfig {
  readonly issuer?: string
  readonly signingKey?: PrivateEcJwk
  readonly signingKeys?: readonly SigningKeyEntry[]
  readonly signingKeyFile?: string
  readonly redisUrl?: string
  readonly nonceTTL: number
  readonly projects: readonly ProjectConfig[]
  readonly chains: Readonly<Record<string, ChainOverrideInput>>
  readonly rateLimit: RateLimitConfig | false
  readonly metrics: MetricsConfig
  readonly chainReads: ChainReadsConfig
  readonly signatureBackend: SignatureBackendPreference
  readonly workers: number | 'auto'
}

/** Most worker processes `workers` may ask for. */
export const MAX_WORKERS = 256

export const DEFAULT_TOKEN_TTL_SECONDS = 43200
export const DEFAULT_NONCE_TTL_SECONDS = 120
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 3600
/** A year: refresh families are re-checked against the chain on every use, but not forever. */
const MAX_REFRESH_TOKEN_TTL_SECONDS = 365 * 24 * 3600
/** Thirty days: longer-lived bearer tokens are almost certainly a unit mistake (ms vs s). */
const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600

/** Thrown for invalid configuration; `field` is the JSON path of the offending value. */
export class AuthorityConfigError extends Error {
  readonly field: string
  constructor(field: string, problem: string) {
    super(`Invalid authority config: ${field} ${problem}`)
    this.name = 'AuthorityConfigError'
    this.field = field
  }
}

/** The error factory of core's strict-input checks. */
const fail: ConfigErrorFactory = (field, problem) => new AuthorityConfigError(field, problem)

const TOP_LEVEL: KnownKeys = {
  keys: [
    'issuer',
    'signingKey',
    'signingKeys',
    'signingKeyFile',
    'redisUrl',
    'nonceTTL',
    'projects',
    'chains',
    'rateLimit',
    'metrics',
    'chainReads',
    'signatureBackend',
    'workers',
  ],
}
const PROJECT: KnownKeys = {
  keys: [
    'id',
    'name',
    'publishableKey',
    'secretKey',
    'format',
    'statement',
    'allowedDomains',
    'tokenTTL',
    'redirectUris',
    'refreshTokenTTL',
    'accessTokenFormat',
  ],
}
const CHAIN: KnownKeys = { keys: ['rpcUrl', 'rpcUrls', 'chainId', 'dasUrl'] }
const CHAIN_READS: KnownKeys = { keys: ['breakerFailures', 'breakerCooldownSeconds', 'balanceCacheSeconds'] }
/** Endpoints per chain: a fallback list, not a load balancer; each costs a timeout when it hangs. */
const MAX_RPC_URLS = 8
const RATE_LIMIT: KnownKeys = { keys: ['perIp', 'perWallet'] }
const RATE_LIMIT_WINDOW: KnownKeys = { keys: ['max', 'windowSeconds'] }
const METRICS: KnownKeys = { keys: ['bearerToken'] }
const HTTP: readonly string[] = ['http:', 'https:']
const REDIS: readonly string[] = ['redis:', 'rediss:']

/** A URL option, kept as written (a string) once its scheme is checked. */
function optionalUrl(value: unknown, field: string, protocols: readonly string[]): string | undefined {
  const text = optionalString(value, field, fail)
  if (text !== undefined) absoluteUrl(text, field, fail, protocols)
  return text
}

function parseSigningKey(input: unknown, field: string): PrivateEcJwk | undefined {
  if (input === undefined) return undefined
  const value = expectRecord(input, field, fail, 'a private JWK object')
  if (value.kty !== 'EC' || value.crv !== 'P-256') {
    throw fail(field, 'must be an EC P-256 key (kty "EC", crv "P-256"): tokens are ES256')
  }
  for (const member of ['x', 'y', 'd'] as const) {
    requiredString(
      value[member],
      childPath(field, member),
      fail,
      'a base64url string (a private key needs d)',
    )
  }
  return value as PrivateEcJwk
}

function parseProject(input: unknown, field: string): ProjectConfig {
  const value = expectRecord(input, field, fail)
  refuseUnknownKeys(value, PROJECT, field, fail, 'key')
  const id = requiredString(value.id, `${field}.id`, fail)
  const name = optionalString(value.name, `${field}.name`, fail) ?? id
  const publishableKey = requiredString(value.publishableKey, `${field}.publishableKey`, fail)
  const secretKey = requiredString(value.secretKey, `${field}.secretKey`, fail)
  if (publishableKey === secretKey) {
    throw fail(`${field}.secretKey`, 'must differ from publishableKey')
  }
  const format =
    value.format === undefined
      ? 'siwe'
      : oneOf(value.format, ['siwe', 'simple'] as const, `${field}.format`, fail)
  // Wallets show the statement to people: the project's name, never its id (a UUID says nothing).
  const statement =
    optionalString(value.statement, `${field}.statement`, fail) ??
    (value.name === undefined ? 'Sign in with your wallet' : `Sign in to ${name}`)
  // EIP-4361: the statement is one line; a newline would make the SIWE text unparseable.
  if (/[\r\n]/.test(statement)) throw fail(`${field}.statement`, 'must not contain line breaks')
  let allowedDomains: string[] | undefined
  if (value.allowedDomains === undefined && format === 'siwe') {
    // Without it any site could relay a SIWE login for its visitors' wallets (a phishing relay).
    throw fail(
      `${field}.allowedDomains`,
      'is required for a SIWE project: the host[:port] domains its pages sign in from, e.g. ["localhost:3000"]',
    )
  }
  if (value.allowedDomains !== undefined) {
    if (!Array.isArray(value.allowedDomains) || value.allowedDomains.length === 0) {
      throw fail(
        `${field}.allowedDomains`,
        `must be a non-empty array of host[:port] strings, got ${describeValue(value.allowedDomains)}`,
      )
    }
    allowedDomains = value.allowedDomains.map((domain, i) => {
      const at = childPath(`${field}.allowedDomains`, i)
      const text = requiredString(domain, at, fail, 'a host[:port] string')
      if (/[\s/]/.test(text)) throw fail(at, 'must be host[:port] (no scheme, path or spaces)')
      return text.toLowerCase()
    })
  }
  const tokenTTL = optionalInteger(value.tokenTTL, `${field}.tokenTTL`, fail, {
    min: 1,
    max: MAX_TOKEN_TTL_SECONDS,
    fallback: DEFAULT_TOKEN_TTL_SECONDS,
  })
  const refreshTokenTTL = optionalInteger(value.refreshTokenTTL, `${field}.refreshTokenTTL`, fail, {
    min: 60,
    max: MAX_REFRESH_TOKEN_TTL_SECONDS,
    fallback: DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  })
  const accessTokenFormat =
    value.accessTokenFormat === undefined
      ? 'picket'
      : oneOf(value.accessTokenFormat, ['picket', 'rfc9068'] as const, `${field}.accessTokenFormat`, fail)
  return Object.freeze({
    id,
    name,
    publishableKey,
    secretKey,
    format,
    statement,
    ...(allowedDomains ? { allowedDomains: Object.freeze(allowedDomains) } : {}),
    tokenTTL,
    redirectUris: Object.freeze(parseRedirectUris(value.redirectUris, `${field}.redirectUris`)),
    refreshTokenTTL,
    accessTokenFormat,
  })
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * OAuth redirect URIs, compared byte for byte at authorization (RFC 6749 §3.1.2, Picket's
 * project whitelist: "trailing slashes matter"). Absolute, no fragment (§3.1.2), https unless
 * the host is loopback (RFC 8252 §7.3; OAuth security BCP: a code sent over plain http to a
 * remote host can be read on the way).
 */
function parseRedirectUris(input: unknown, field: string): string[] {
  if (input === undefined) return []
  if (!Array.isArray(input) || input.length === 0) {
    throw fail(field, `must be a non-empty array of absolute URLs, got ${describeValue(input)}`)
  }
  return input.map((entry, i) => {
    const at = childPath(field, i)
    const text = requiredString(entry, at, fail, 'an absolute http(s) URL')
    const url = absoluteUrl(text, at, fail, HTTP)
    if (text.includes('#')) throw fail(at, 'must not contain a fragment (RFC 6749 §3.1.2)')
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      throw fail(at, `must use https (http is allowed for localhost, 127.0.0.1 and [::1] only), got ${text}`)
    }
    return text
  })
}

function parseChains(input: unknown): Record<string, ChainOverrideInput> {
  if (input === undefined) return {}
  const value = expectRecord(input, 'chains', fail, 'an object keyed by chain slug')
  const chains: Record<string, ChainOverrideInput> = {}
  for (const [slug, entry] of Object.entries(value)) {
    const field = childPath('chains', slug)
    if (!/^[a-z0-9-]+$/.test(slug)) throw fail(field, 'slug must be lower-case letters, digits or -')
    const override = expectRecord(entry, field, fail, '{ rpcUrl? | rpcUrls?, chainId?, dasUrl? }')
    refuseUnknownKeys(override, CHAIN, field, fail, 'key')
    const rpcUrl = optionalUrl(override.rpcUrl, `${field}.rpcUrl`, HTTP)
    const rpcUrls = parseRpcUrls(override.rpcUrls, `${field}.rpcUrls`)
    if (rpcUrl !== undefined && rpcUrls !== undefined) {
      throw fail(`${field}.rpcUrls`, 'excludes rpcUrl: list every endpoint in rpcUrls')
    }
    const dasUrl = optionalUrl(override.dasUrl, `${field}.dasUrl`, HTTP)
    const chainId =
      override.chainId === undefined
        ? undefined
        : requiredInteger(override.chainId, `${field}.chainId`, fail, { min: 1 })
    chains[slug] = {
      ...(rpcUrl ? { rpcUrl } : {}),
      ...(rpcUrls ? { rpcUrls } : {}),
      ...(dasUrl ? { dasUrl } : {}),
      ...(chainId !== undefined ? { chainId } : {}),
    }
  }
  return chains
}

function parseRpcUrls(input: unknown, field: string): string[] | undefined {
  if (input === undefined) return undefined
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_RPC_URLS) {
    throw fail(field, `must be a list of 1 to ${MAX_RPC_URLS} http(s) URLs`)
  }
  const urls = input.map((url, i) => optionalUrl(url, `${field}[${i}]`, HTTP))
  urls.forEach((url, i) => {
    if (url === undefined) throw fail(`${field}[${i}]`, 'must be an http(s) URL')
    if (urls.indexOf(url) !== i) throw fail(`${field}[${i}]`, 'repeats an earlier URL')
  })
  return urls as string[]
}

function parseChainReads(input: unknown): ChainReadsConfig {
  const value =
    input === undefined
      ? {}
      : expectRecord(
          input,
          'chainReads',
          fail,
          '{ breakerFailures?, breakerCooldownSeconds?, balanceCacheSeconds? }',
        )
  refuseUnknownKeys(value, CHAIN_READS, 'chainReads', fail, 'key')
  return Object.freeze({
    breakerFailures: optionalInteger(value.breakerFailures, 'chainReads.breakerFailures', fail, {
      min: 1,
      max: 100,
      fallback: 3,
    }),
    breakerCooldownSeconds: optionalInteger(
      value.breakerCooldownSeconds,
      'chainReads.breakerCooldownSeconds',
      fail,
      { min: 1, max: 3600, fallback: 10 },
    ),
    // Capped: a balance older than a few minutes is not a gate's evidence any more.
    balanceCacheSeconds: optionalInteger(value.balanceCacheSeconds, 'chainReads.balanceCacheSeconds', fail, {
      min: 0,
      max: 300,
      fallback: 0,
    }),
  })
}

function parseRateLimitWindow(
  input: unknown,
  field: string,
  fallback: RateLimitWindow,
): RateLimitWindow | false {
  if (input === undefined) return fallback
  if (input === false) return false
  const value = expectRecord(input, field, fail, '{ max, windowSeconds? } or false')
  refuseUnknownKeys(value, RATE_LIMIT_WINDOW, field, fail, 'key')
  const max = requiredInteger(value.max, `${field}.max`, fail, { min: 1, max: 1_000_000 })
  const windowSeconds = optionalInteger(value.windowSeconds, `${field}.windowSeconds`, fail, {
    min: 1,
    max: 86_400,
    fallback: fallback.windowMs / 1000,
  })
  return Object.freeze({ max, windowMs: windowSeconds * 1000 })
}

function parseRateLimit(input: unknown): RateLimitConfig | false {
  if (input === undefined) return DEFAULT_RATE_LIMIT
  if (input === false) return false
  const value = expectRecord(input, 'rateLimit', fail, '{ perIp?, perWallet? } or false')
  refuseUnknownKeys(value, RATE_LIMIT, 'rateLimit', fail, 'key')
  return Object.freeze({
    perIp: parseRateLimitWindow(value.perIp, 'rateLimit.perIp', DEFAULT_RATE_LIMIT.perIp as RateLimitWindow),
    perWallet: parseRateLimitWindow(
      value.perWallet,
      'rateLimit.perWallet',
      DEFAULT_RATE_LIMIT.perWallet as RateLimitWindow,
    ),
  })
}

function parseMetrics(input: unknown): MetricsConfig {
  if (input === undefined || input === true) return Object.freeze({ enabled: true })
  if (input === false) return Object.freeze({ enabled: false })
  const value = expectRecord(input, 'metrics', fail, 'true, false or { bearerToken }')
  refuseUnknownKeys(value, METRICS, 'metrics', fail, 'key')
  const bearerToken = optionalString(value.bearerToken, 'metrics.bearerToken', fail)
  if (bearerToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(bearerToken)) {
    throw fail('metrics.bearerToken', 'must be at least 16 printable characters without spaces')
  }
  return Object.freeze({ enabled: true, ...(bearerToken !== undefined ? { bearerToken } : {}) })
}

/** `workers`: a count of processes, or `auto` (one per core). */
export function parseWorkers(input: unknown, field: string): number | 'auto' {
  if (input === undefined) return 1
  if (input === 'auto') return 'auto'
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > MAX_WORKERS) {
    throw fail(
      field,
      `must be an integer from 1 to ${MAX_WORKERS} or 'auto' (one per core), got ${describeValue(input)}`,
    )
  }
  return input
}

/** Validates and fills defaults. Throws `AuthorityConfigError` naming the first bad field. */
export function parseAuthorityConfig(value: unknown): AuthorityConfig {
  const input = expectRecord(value, '(root)', fail, 'a JSON object')
  refuseUnknownKeys(input, TOP_LEVEL, '', fail, 'key')
  // A URL: relying parties discover `${issuer}/.well-known/openid-configuration` from it (§2.10).
  const issuer = optionalUrl(input.issuer, 'issuer', HTTP)?.replace(/\/+$/, '')
  const signingKey = parseSigningKey(input.signingKey, 'signingKey')
  const signingKeyFile = optionalString(input.signingKeyFile, 'signingKeyFile', fail)
  const signingKeys =
    input.signingKeys === undefined
      ? undefined
      : parseSigningKeyEntries(input.signingKeys, 'signingKeys', fail)
  if (signingKeys && signingKey) {
    throw fail('signingKeys', 'cannot be combined with signingKey: list that key in signingKeys instead')
  }
  if (signingKeys && signingKeyFile) {
    throw fail(
      'signingKeys',
      'cannot be combined with signingKeyFile: keep the key set in the config or in the file, not both',
    )
  }
  const redisUrl = optionalUrl(input.redisUrl, 'redisUrl', REDIS)
  const nonceTTL = optionalInteger(input.nonceTTL, 'nonceTTL', fail, {
    min: 1,
    max: 3600,
    fallback: DEFAULT_NONCE_TTL_SECONDS,
  })

  if (!Array.isArray(input.projects) || input.projects.length === 0) {
    throw fail('projects', `must be a non-empty array of projects, got ${describeValue(input.projects)}`)
  }
  const projects = input.projects.map((project, i) => parseProject(project, `projects[${i}]`))
  const ids = new Set<string>()
  const keys = new Set<string>()
  projects.forEach((project, i) => {
    if (ids.has(project.id)) throw fail(`projects[${i}].id`, `duplicates another project id`)
    ids.add(project.id)
    for (const keyField of ['publishableKey', 'secretKey'] as const) {
      if (keys.has(project[keyField])) {
        throw fail(`projects[${i}].${keyField}`, 'is already used by another project key')
      }
      keys.add(project[keyField])
    }
  })

  return Object.freeze({
    ...(issuer ? { issuer } : {}),
    ...(signingKey ? { signingKey } : {}),
    ...(signingKeys ? { signingKeys } : {}),
    ...(signingKeyFile ? { signingKeyFile } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    nonceTTL,
    projects: Object.freeze(projects),
    chains: Object.freeze(parseChains(input.chains)),
    rateLimit: parseRateLimit(input.rateLimit),
    metrics: parseMetrics(input.metrics),
    chainReads: parseChainReads(input.chainReads),
    signatureBackend:
      input.signatureBackend === undefined
        ? 'auto'
        : oneOf(input.signatureBackend, SIGNATURE_BACKENDS, 'signatureBackend', fail),
    workers: parseWorkers(input.workers, 'workers'),
  })
}
