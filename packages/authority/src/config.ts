import type { SigningMessageFormat } from 'picket-core'
import { isRecord } from 'picket-core'

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
}

export interface ChainOverrideInput {
  rpcUrl?: string
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
  /** Where the signing key is read from, or generated into when the file does not exist. */
  signingKeyFile?: string
  redisUrl?: string
  /** Nonce lifetime in seconds; default 120 (reference §4.4). */
  nonceTTL?: number
  projects: ProjectConfigInput[]
  chains?: Record<string, ChainOverrideInput>
  /** Rate limits of `auth/nonce`, `auth` and `authz` (429 + Retry-After), or `false` for none. */
  rateLimit?: RateLimitConfigInput | false
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
}

export interface AuthorityConfig {
  readonly issuer?: string
  readonly signingKey?: PrivateEcJwk
  readonly signingKeyFile?: string
  readonly redisUrl?: string
  readonly nonceTTL: number
  readonly projects: readonly ProjectConfig[]
  readonly chains: Readonly<Record<string, ChainOverrideInput>>
  readonly rateLimit: RateLimitConfig | false
}

export const DEFAULT_TOKEN_TTL_SECONDS = 43200
export const DEFAULT_NONCE_TTL_SECONDS = 120
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

const TOP_LEVEL_KEYS = [
  'issuer',
  'signingKey',
  'signingKeyFile',
  'redisUrl',
  'nonceTTL',
  'projects',
  'chains',
  'rateLimit',
]
const PROJECT_KEYS = [
  'id',
  'name',
  'publishableKey',
  'secretKey',
  'format',
  'statement',
  'allowedDomains',
  'tokenTTL',
]
const CHAIN_KEYS = ['rpcUrl', 'chainId', 'dasUrl']

function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new AuthorityConfigError(
        path ? `${path}.${key}` : key,
        `is not a known option (known: ${known.join(', ')})`,
      )
    }
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0)
    throw new AuthorityConfigError(field, 'must be a non-empty string')
  return value
}

function requiredString(value: unknown, field: string): string {
  if (value === undefined) throw new AuthorityConfigError(field, 'is required')
  return optionalString(value, field)!
}

function optionalUrl(value: unknown, field: string, protocols: readonly string[]): string | undefined {
  const text = optionalString(value, field)
  if (text === undefined) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new AuthorityConfigError(field, `must be an absolute URL, got ${JSON.stringify(text)}`)
  }
  if (!protocols.includes(url.protocol)) {
    throw new AuthorityConfigError(field, `must use ${protocols.join(' or ')}, got ${url.protocol}`)
  }
  return text
}

function positiveInteger(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw new AuthorityConfigError(field, `must be an integer between 1 and ${max}`)
  }
  return value
}

function parseSigningKey(value: unknown, field: string): PrivateEcJwk | undefined {
  if (value === undefined) return undefined
  if (!isRecord(value)) throw new AuthorityConfigError(field, 'must be a private JWK object')
  if (value.kty !== 'EC' || value.crv !== 'P-256') {
    throw new AuthorityConfigError(field, 'must be an EC P-256 key (kty "EC", crv "P-256"): tokens are ES256')
  }
  for (const member of ['x', 'y', 'd'] as const) {
    if (typeof value[member] !== 'string' || value[member] === '') {
      throw new AuthorityConfigError(
        `${field}.${member}`,
        'must be a base64url string (a private key needs d)',
      )
    }
  }
  return value as PrivateEcJwk
}

function parseProject(value: unknown, field: string): ProjectConfig {
  if (!isRecord(value)) throw new AuthorityConfigError(field, 'must be an object')
  rejectUnknownKeys(value, PROJECT_KEYS, field)
  const id = requiredString(value.id, `${field}.id`)
  const name = optionalString(value.name, `${field}.name`) ?? id
  const publishableKey = requiredString(value.publishableKey, `${field}.publishableKey`)
  const secretKey = requiredString(value.secretKey, `${field}.secretKey`)
  if (publishableKey === secretKey) {
    throw new AuthorityConfigError(`${field}.secretKey`, 'must differ from publishableKey')
  }
  const format = value.format ?? 'siwe'
  if (format !== 'siwe' && format !== 'simple') {
    throw new AuthorityConfigError(`${field}.format`, 'must be "siwe" or "simple"')
  }
  const statement = optionalString(value.statement, `${field}.statement`) ?? `Sign in to ${name}`
  // EIP-4361: the statement is one line; a newline would make the SIWE text unparseable.
  if (/[\r\n]/.test(statement))
    throw new AuthorityConfigError(`${field}.statement`, 'must not contain line breaks')
  let allowedDomains: string[] | undefined
  if (value.allowedDomains === undefined && format === 'siwe') {
    // Without it any site could relay a SIWE login for its visitors' wallets (a phishing relay).
    throw new AuthorityConfigError(
      `${field}.allowedDomains`,
      'is required for a SIWE project: the host[:port] domains its pages sign in from, e.g. ["localhost:3000"]',
    )
  }
  if (value.allowedDomains !== undefined) {
    if (!Array.isArray(value.allowedDomains) || value.allowedDomains.length === 0) {
      throw new AuthorityConfigError(
        `${field}.allowedDomains`,
        'must be a non-empty array of host[:port] strings',
      )
    }
    allowedDomains = value.allowedDomains.map((domain, i) => {
      const text = requiredString(domain, `${field}.allowedDomains[${i}]`)
      if (/[\s/]/.test(text)) {
        throw new AuthorityConfigError(
          `${field}.allowedDomains[${i}]`,
          'must be host[:port] (no scheme, path or spaces)',
        )
      }
      return text.toLowerCase()
    })
  }
  const tokenTTL =
    value.tokenTTL === undefined
      ? DEFAULT_TOKEN_TTL_SECONDS
      : positiveInteger(value.tokenTTL, `${field}.tokenTTL`, MAX_TOKEN_TTL_SECONDS)
  return Object.freeze({
    id,
    name,
    publishableKey,
    secretKey,
    format,
    statement,
    ...(allowedDomains ? { allowedDomains: Object.freeze(allowedDomains) } : {}),
    tokenTTL,
  })
}

function parseChains(value: unknown): Record<string, ChainOverrideInput> {
  if (value === undefined) return {}
  if (!isRecord(value)) throw new AuthorityConfigError('chains', 'must be an object keyed by chain slug')
  const chains: Record<string, ChainOverrideInput> = {}
  for (const [slug, override] of Object.entries(value)) {
    const field = `chains.${slug}`
    if (!/^[a-z0-9-]+$/.test(slug))
      throw new AuthorityConfigError(field, 'slug must be lower-case letters, digits or -')
    if (!isRecord(override)) throw new AuthorityConfigError(field, 'must be an object')
    rejectUnknownKeys(override, CHAIN_KEYS, field)
    const rpcUrl = optionalUrl(override.rpcUrl, `${field}.rpcUrl`, ['http:', 'https:'])
    const dasUrl = optionalUrl(override.dasUrl, `${field}.dasUrl`, ['http:', 'https:'])
    const chainId =
      override.chainId === undefined
        ? undefined
        : positiveInteger(override.chainId, `${field}.chainId`, 2 ** 53 - 1)
    chains[slug] = {
      ...(rpcUrl ? { rpcUrl } : {}),
      ...(dasUrl ? { dasUrl } : {}),
      ...(chainId !== undefined ? { chainId } : {}),
    }
  }
  return chains
}

function parseRateLimitWindow(
  value: unknown,
  field: string,
  fallback: RateLimitWindow,
): RateLimitWindow | false {
  if (value === undefined) return fallback
  if (value === false) return false
  if (!isRecord(value)) throw new AuthorityConfigError(field, 'must be { max, windowSeconds? } or false')
  rejectUnknownKeys(value, ['max', 'windowSeconds'], field)
  return Object.freeze({
    max: positiveInteger(value.max, `${field}.max`, 1_000_000),
    windowMs:
      value.windowSeconds === undefined
        ? fallback.windowMs
        : positiveInteger(value.windowSeconds, `${field}.windowSeconds`, 86_400) * 1000,
  })
}

function parseRateLimit(value: unknown): RateLimitConfig | false {
  if (value === undefined) return DEFAULT_RATE_LIMIT
  if (value === false) return false
  if (!isRecord(value)) throw new AuthorityConfigError('rateLimit', 'must be { perIp?, perWallet? } or false')
  rejectUnknownKeys(value, ['perIp', 'perWallet'], 'rateLimit')
  return Object.freeze({
    perIp: parseRateLimitWindow(value.perIp, 'rateLimit.perIp', DEFAULT_RATE_LIMIT.perIp as RateLimitWindow),
    perWallet: parseRateLimitWindow(
      value.perWallet,
      'rateLimit.perWallet',
      DEFAULT_RATE_LIMIT.perWallet as RateLimitWindow,
    ),
  })
}

/** Validates and fills defaults. Throws `AuthorityConfigError` naming the first bad field. */
export function parseAuthorityConfig(input: unknown): AuthorityConfig {
  if (!isRecord(input)) throw new AuthorityConfigError('(root)', 'must be a JSON object')
  rejectUnknownKeys(input, TOP_LEVEL_KEYS, '')
  // A URL: relying parties discover `${issuer}/.well-known/openid-configuration` from it (§2.10).
  const issuer = optionalUrl(input.issuer, 'issuer', ['http:', 'https:'])?.replace(/\/+$/, '')
  const signingKey = parseSigningKey(input.signingKey, 'signingKey')
  const signingKeyFile = optionalString(input.signingKeyFile, 'signingKeyFile')
  const redisUrl = optionalUrl(input.redisUrl, 'redisUrl', ['redis:', 'rediss:'])
  const nonceTTL =
    input.nonceTTL === undefined
      ? DEFAULT_NONCE_TTL_SECONDS
      : positiveInteger(input.nonceTTL, 'nonceTTL', 3600)

  if (!Array.isArray(input.projects) || input.projects.length === 0) {
    throw new AuthorityConfigError('projects', 'must be a non-empty array')
  }
  const projects = input.projects.map((project, i) => parseProject(project, `projects[${i}]`))
  const ids = new Set<string>()
  const keys = new Set<string>()
  projects.forEach((project, i) => {
    if (ids.has(project.id))
      throw new AuthorityConfigError(`projects[${i}].id`, `duplicates another project id`)
    ids.add(project.id)
    for (const keyField of ['publishableKey', 'secretKey'] as const) {
      if (keys.has(project[keyField])) {
        throw new AuthorityConfigError(`projects[${i}].${keyField}`, 'is already used by another project key')
      }
      keys.add(project[keyField])
    }
  })

  return Object.freeze({
    ...(issuer ? { issuer } : {}),
    ...(signingKey ? { signingKey } : {}),
    ...(signingKeyFile ? { signingKeyFile } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    nonceTTL,
    projects: Object.freeze(projects),
    chains: Object.freeze(parseChains(input.chains)),
    rateLimit: parseRateLimit(input.rateLimit),
  })
}
