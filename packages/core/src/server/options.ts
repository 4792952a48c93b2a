import { PicketClient, type PicketClientOptions, PicketConfigError } from '../client/index.js'
import {
  type AccessTokenPayload,
  type Caip2ChainId,
  type ConfigErrorFactory,
  caip2Family,
  chainTypeOf,
  childPath,
  DEFAULT_CHAIN_ALIASES,
  describeValue,
  expectRecord,
  type GateRequirements,
  httpUrl,
  type KnownKeys,
  oneOf,
  optionalBoolean,
  optionalFunction,
  optionalInteger,
  optionalString,
  parseChainSlug,
  parseGateRequirements,
  type ResolvedGate,
  refuseUndefinedValues,
  refuseUnknownKeys,
  requiredString,
  SOLANA_MAINNET,
} from '../core/index.js'
import {
  type MetricsOptions,
  type MetricsRegistry,
  type ResolvedMetrics,
  resolveMetrics,
} from './cache-metrics.js'
import { type AllowedDomains, resolveAllowedDomains } from './domain-options.js'
import { type RateLimitOptions, type ResolvedRateLimit, resolveRateLimit } from './rate-limit-options.js'
import type { RevocationList } from './revocation.js'
import { type ResolvedVerifyOptions, resolveVerify, type VerifyOptions } from './verify-options.js'

export type { AllowedDomains, MetricsOptions, MetricsRegistry, ResolvedVerifyOptions, VerifyOptions }

/** A custom token source; return `undefined` (or `null`) when the request has none. */
export type TokenExtractor<Req> = (
  request: Req,
) => string | null | undefined | Promise<string | null | undefined>

export interface CookieOptions {
  name: string
  /** Read and write it signed (@fastify/cookie `secret`, or cookie-parser's secret in Express). */
  signed?: boolean
  /** Cookie attributes when the adapter sets it (default httpOnly, Secure, SameSite=Lax, path /). */
  secure?: boolean
  sameSite?: 'lax' | 'strict' | 'none'
  path?: string
  domain?: string
}

/** The helper routes' options both adapters share (the Fastify plugin's `routes`, Express's `picketRouter()`). */
export interface HelperRouteOptions {
  /** Seconds a SIWE `issuedAt` may be old at login (default 120, the nonce lifetime). */
  maxMessageAge?: number
  /** Set the access token as an httpOnly cookie on login (needs `cookie`). */
  setCookie?: boolean
  /** Rate limits of the helper routes, per IP and per wallet (429 + Retry-After), or `false`. */
  rateLimit?: RateLimitOptions | false
}

export interface ResolvedHelperRoutes {
  maxMessageAge: number
  setCookie: boolean
  rateLimit: ResolvedRateLimit | false
}

/** The options both adapters take, with the same names, rules and messages. */
export interface PicketServerOptions<Req> {
  /** Secret key of the project; required unless `client` is given. */
  apiKey?: string
  /** API base URL: hosted Picket or the bundled authority. */
  baseURL?: string
  /** Options for the client the adapter creates (timeout, retry, fetch, userAgent). */
  clientOptions?: Omit<PicketClientOptions, 'baseURL'>
  /** A ready client, instead of `apiKey`/`baseURL`/`clientOptions` (giving both is refused). */
  client?: PicketClient
  /** Local verification; when absent tokens are validated remotely through the API. */
  verify?: VerifyOptions
  /**
   * Remote mode: the project id whose tokens are accepted; an answer from `/auth/validate` for
   * another project's token is refused. (Local mode uses `verify.audience`.)
   */
  audience?: string
  /**
   * The chain gates apply to (default `ethereum`); a route may name another in its gate's
   * `chain`. A token signed in on another chain never satisfies a gate's requirements.
   */
  chain?: string
  /**
   * Chain names a `gate` may use, as CAIP-2 ids, over the defaults (`ethereum` → `eip155:1`,
   * `base` → `eip155:8453`, `localhost` → `eip155:1337`, `solana`, …): e.g. `{ devnet: 'eip155:31337' }`.
   * Name your authority's chains the same way; a token's `chain` claim is looked up here too.
   */
  chainAliases?: Record<string, string>
  /**
   * Requirements of this whole registration: every gated request must meet them as well as
   * its route's own, and the login route asks for them. So a token minted elsewhere (directly
   * at the API with the publishable key) cannot skip the login rules.
   */
  requirements?: GateRequirements
  /**
   * The SIWE domains (host[:port]) your pages sign in from. The login route accepts only these,
   * and every token must carry one of them in its `domain` claim: a token signed on another
   * site (a phishing relay) is refused.
   */
  allowedDomains?: AllowedDomains
  /**
   * Accept tokens that carry no `domain` claim (hosted Picket, `simple`-format projects) even
   * though `allowedDomains` is set. This gives up the phishing-relay check for those tokens.
   */
  acceptTokensWithoutDomain?: boolean
  /** Verified-token cache (default `{ max: 10000, ttl: 300000 }`), or `false` to verify every time. */
  cache?: { max?: number; ttl?: number } | false
  /** Cache of `/authz` answers per token and requirements (default ttl 30 s, max 10 000). */
  revalidateCache?: { max?: number; ttl?: number }
  /**
   * Prometheus metrics of the verified-token cache (hits, misses, evictions, entries), registered
   * in your prom-client `Registry`; off by default. prom-client stays your dependency.
   */
  metrics?: MetricsOptions
  /** Custom token source; return `undefined` (or `null`) when the request has none. */
  extractToken?: TokenExtractor<Req>
  /** Read the token from this cookie as well. */
  cookie?: CookieOptions
  /** Revocation check, run on every gated request, cache hits included. */
  isRevoked?: (claims: AccessTokenPayload, request: Req) => boolean | Promise<boolean>
  /**
   * A shared revocation list (e.g. `createRedisRevocationList()`): its `isRevoked` runs on every
   * gated request, and the logout route revokes the token it ends. Instead of `isRevoked`.
   */
  revocationList?: Pick<RevocationList, 'isRevoked' | 'revoke'>
  /** Ask `/authz` when a token lacks a route's requirements (default false). */
  incremental?: boolean
  /** `realm` of `WWW-Authenticate` challenges (default `picket`). */
  realm?: string
}

export interface ResolvedServerOptions<Req> {
  client: PicketClient
  verify: ResolvedVerifyOptions | undefined
  audience: string | undefined
  /** The default chain of gates. */
  chain: string
  /** Chain aliases of gates, the defaults and the adapter's `chainAliases`. */
  chainAliases: Readonly<Record<string, Caip2ChainId>>
  /** The registration's own requirements, applied to every gated request (`undefined`: none). */
  floor: ResolvedGate | undefined
  allowedDomains: AllowedDomains | undefined
  acceptTokensWithoutDomain: boolean
  cache: { max: number; ttl: number } | false
  revalidateCache: { max: number; ttl: number }
  metrics: ResolvedMetrics | undefined
  extractToken: TokenExtractor<Req> | undefined
  cookie: CookieOptions | undefined
  isRevoked: PicketServerOptions<Req>['isRevoked']
  revoke: RevocationList['revoke'] | undefined
  incremental: boolean
  realm: string
}

/** What an adapter adds to the shared options: its own keys, and hints for keys it does not take. */
export interface AdapterKeys {
  keys: readonly string[]
  elsewhere?: Readonly<Record<string, string>>
}

const SHARED_KEYS = [
  'apiKey',
  'baseURL',
  'clientOptions',
  'client',
  'verify',
  'audience',
  'chain',
  'chainAliases',
  'requirements',
  'allowedDomains',
  'acceptTokensWithoutDomain',
  'cache',
  'revalidateCache',
  'metrics',
  'extractToken',
  'cookie',
  'isRevoked',
  'revocationList',
  'incremental',
  'realm',
]
const SHARED_ELSEWHERE = {
  jwks: 'belongs in verify: { verify: { jwks, audience } }',
  issuer: 'belongs in verify (verify.issuer)',
  algorithms: 'belongs in verify (verify.algorithms)',
  clockTolerance: 'belongs in verify (verify.clockTolerance)',
  secretKey: "is called 'apiKey' (the project's secret key)",
  timeout: 'belongs in clientOptions (API calls) or verify (JWKS fetches)',
  retry: 'belongs in clientOptions (clientOptions.retry)',
}
const CACHE: KnownKeys = { keys: ['max', 'ttl'] }
const COOKIE: KnownKeys = { keys: ['name', 'signed', 'secure', 'sameSite', 'path', 'domain'] }
const CLIENT_OPTIONS: KnownKeys = {
  keys: ['timeout', 'retry', 'fetch', 'userAgent'],
  elsewhere: { baseURL: 'belongs at the top level (baseURL), beside apiKey' },
}
const MAX_TIMER_MS = 2_147_483_647

function resolveClient(
  options: Record<string, unknown>,
  fail: ConfigErrorFactory,
  product: string,
): PicketClient {
  if (options.client !== undefined) {
    if (!(options.client instanceof PicketClient)) {
      throw fail(
        'client',
        `must be a PicketClient (from '${product}/client'), got ${describeValue(options.client)}`,
      )
    }
    for (const key of ['apiKey', 'baseURL', 'clientOptions'] as const) {
      if (options[key] !== undefined) {
        throw fail(
          key,
          'cannot be given with client: the client already has its key and URL (give one or the other)',
        )
      }
    }
    return options.client
  }
  const apiKey = requiredString(options.apiKey, 'apiKey', fail, "the project's secret key (or pass `client`)")
  if (options.baseURL !== undefined) httpUrl(options.baseURL, 'baseURL', fail)
  let clientOptions: Record<string, unknown> = {}
  if (options.clientOptions !== undefined) {
    clientOptions = expectRecord(options.clientOptions, 'clientOptions', fail)
    refuseUnknownKeys(clientOptions, CLIENT_OPTIONS, 'clientOptions', fail)
    refuseUndefinedValues(clientOptions, 'clientOptions', fail)
  }
  try {
    return new PicketClient(apiKey, {
      ...clientOptions,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL as string }),
    })
  } catch (error) {
    if (!(error instanceof PicketConfigError)) throw error
    // The client names the field it refused; report it where the user wrote it.
    const field = error.field ?? ''
    const path = field === 'baseURL' || field === 'apiKey' ? field : childPath('clientOptions', field)
    const problem =
      field !== '' && error.message.startsWith(field)
        ? error.message.slice(field.length).replace(/^:? /, '')
        : error.message
    throw fail(path.replace(/\.$/, ''), problem)
  }
}

function resolveCache(
  value: unknown,
  path: string,
  fallback: { max: number; ttl: number },
  fail: ConfigErrorFactory,
) {
  if (value === undefined) return fallback
  const cache = expectRecord(value, path, fail, '{ max?, ttl? }')
  refuseUnknownKeys(cache, CACHE, path, fail)
  refuseUndefinedValues(cache, path, fail)
  return {
    max: optionalInteger(cache.max, `${path}.max`, fail, { min: 1, fallback: fallback.max }),
    ttl: optionalInteger(cache.ttl, `${path}.ttl`, fail, {
      min: 0,
      max: MAX_TIMER_MS,
      fallback: fallback.ttl,
    }),
  }
}

function resolveCookie(value: unknown, fail: ConfigErrorFactory): CookieOptions | undefined {
  if (value === undefined) return undefined
  const cookie = expectRecord(value, 'cookie', fail, '{ name, signed?, secure?, sameSite?, path?, domain? }')
  refuseUnknownKeys(cookie, COOKIE, 'cookie', fail)
  refuseUndefinedValues(cookie, 'cookie', fail)
  requiredString(cookie.name, 'cookie.name', fail, 'the cookie name')
  optionalBoolean(cookie.signed, 'cookie.signed', fail)
  optionalBoolean(cookie.secure, 'cookie.secure', fail)
  if (cookie.sameSite !== undefined)
    oneOf(cookie.sameSite, ['lax', 'strict', 'none'], 'cookie.sameSite', fail)
  optionalString(cookie.path, 'cookie.path', fail)
  optionalString(cookie.domain, 'cookie.domain', fail)
  return cookie as unknown as CookieOptions
}

function resolveRevocation<Req>(
  raw: Record<string, unknown>,
  fail: ConfigErrorFactory,
): Pick<ResolvedServerOptions<Req>, 'isRevoked' | 'revoke'> {
  type IsRevoked = PicketServerOptions<Req>['isRevoked']
  const isRevoked = optionalFunction(raw.isRevoked as IsRevoked, 'isRevoked', fail)
  if (raw.revocationList === undefined) return { isRevoked, revoke: undefined }
  if (isRevoked)
    throw fail('isRevoked', 'cannot be given with revocationList (which brings its own isRevoked)')
  const list = raw.revocationList as Partial<RevocationList> | null
  if (
    typeof list !== 'object' ||
    list === null ||
    typeof list.isRevoked !== 'function' ||
    typeof list.revoke !== 'function'
  ) {
    throw fail(
      'revocationList',
      `must have isRevoked() and revoke() (e.g. createRedisRevocationList()), got ${describeValue(list)}`,
    )
  }
  return { isRevoked: list.isRevoked.bind(list) as IsRevoked, revoke: list.revoke.bind(list) }
}

function resolveChainAliases(
  value: unknown,
  fail: ConfigErrorFactory,
): Readonly<Record<string, Caip2ChainId>> {
  if (value === undefined) return DEFAULT_CHAIN_ALIASES
  const record = expectRecord(value, 'chainAliases', fail, "an object such as { devnet: 'eip155:31337' }")
  const aliases: Record<string, Caip2ChainId> = { ...DEFAULT_CHAIN_ALIASES }
  for (const [alias, chain] of Object.entries(record)) {
    parseChainSlug(alias, `chainAliases.${alias}`, fail)
    if (typeof chain !== 'string' || !chain.includes(':') || caip2Family(chain) === undefined) {
      throw fail(
        `chainAliases.${alias}`,
        `must be a CAIP-2 chain id such as 'eip155:8453' or '${SOLANA_MAINNET}', got ${describeValue(chain)}`,
      )
    }
    aliases[alias] = chain
  }
  return Object.freeze(aliases)
}

function resolveFloor(
  raw: Record<string, unknown>,
  chain: string,
  fail: ConfigErrorFactory,
): ResolvedGate | undefined {
  if (!Object.hasOwn(raw, 'requirements')) return undefined
  const requirements = parseGateRequirements(raw.requirements, 'requirements', fail, chainTypeOf(chain))
  return Object.freeze({ requirements, chain, optional: false, revalidate: false, incremental: undefined })
}

/**
 * Validates an adapter's options strictly: an unknown key at any depth, an `undefined` value (an
 * unset environment variable), a wrong type or a value that can never work (a non-http JWKS URL)
 * is an options error naming its path and the fix, never a silently ignored setting. Returns the
 * shared options resolved and the raw record, for the adapter's own keys.
 *
 * @param product the package the user imports (`fastify-picket`, `express-picket`), for messages
 */
export function resolveServerOptions<Req>(
  options: unknown,
  fail: ConfigErrorFactory,
  adapter: AdapterKeys & { product: string },
): { resolved: ResolvedServerOptions<Req>; raw: Record<string, unknown> } {
  const raw = expectRecord(options, '', fail, 'an object')
  refuseUnknownKeys(
    raw,
    {
      keys: [...SHARED_KEYS, ...adapter.keys],
      elsewhere: { ...SHARED_ELSEWHERE, ...adapter.elsewhere },
    },
    '',
    fail,
  )
  refuseUndefinedValues(raw, '', fail)
  const realm = raw.realm ?? 'picket'
  if (typeof realm !== 'string' || realm === '' || /["\\\r\n]/.test(realm)) {
    throw fail(
      'realm',
      `must be a non-empty string without quotes, backslashes or line breaks, got ${describeValue(realm)}`,
    )
  }
  const audience = optionalString(raw.audience, 'audience', fail)
  const cookie = resolveCookie(raw.cookie, fail)
  const verify = resolveVerify(raw.verify, raw.audience, fail)
  const chain = raw.chain === undefined ? 'ethereum' : parseChainSlug(raw.chain, 'chain', fail)
  const allowedDomains =
    raw.allowedDomains === undefined
      ? undefined
      : resolveAllowedDomains(raw.allowedDomains, 'allowedDomains', fail)
  const acceptTokensWithoutDomain =
    optionalBoolean(raw.acceptTokensWithoutDomain, 'acceptTokensWithoutDomain', fail) ?? false
  if (acceptTokensWithoutDomain && !allowedDomains) {
    throw fail(
      'acceptTokensWithoutDomain',
      'only applies with allowedDomains (without them no token is checked for a domain)',
    )
  }
  const cache =
    raw.cache === false ? false : resolveCache(raw.cache, 'cache', { max: 10_000, ttl: 300_000 }, fail)
  const resolved: ResolvedServerOptions<Req> = {
    client: resolveClient(raw, fail, adapter.product),
    verify,
    audience,
    chain,
    chainAliases: resolveChainAliases(raw.chainAliases, fail),
    floor: resolveFloor(raw, chain, fail),
    allowedDomains,
    acceptTokensWithoutDomain,
    cache,
    revalidateCache: resolveCache(raw.revalidateCache, 'revalidateCache', { max: 10_000, ttl: 30_000 }, fail),
    metrics: resolveMetrics(raw.metrics, cache, fail),
    extractToken: optionalFunction(raw.extractToken as TokenExtractor<Req> | undefined, 'extractToken', fail),
    cookie,
    ...resolveRevocation<Req>(raw, fail),
    incremental: optionalBoolean(raw.incremental, 'incremental', fail) ?? false,
    realm,
  }
  return { resolved, raw }
}

/**
 * The helper routes' shared options (`routes` in Fastify, `picketRouter()` in Express), checked
 * against the registration they serve: login needs `allowedDomains`, `setCookie` a cookie.
 *
 * @param record the options record, already checked for unknown keys by the adapter
 */
export function resolveHelperRoutes(
  record: Record<string, unknown>,
  path: string,
  registration: { cookie: CookieOptions | undefined; allowedDomains: AllowedDomains | undefined },
  fail: ConfigErrorFactory,
  what = 'routes',
): ResolvedHelperRoutes {
  refuseUndefinedValues(record, path, fail)
  if (!registration.allowedDomains) {
    throw fail(
      'allowedDomains',
      `is required with ${what}: the SIWE domains (host[:port]) your pages sign in from, e.g. ['localhost:3000']`,
    )
  }
  const at = (key: string) => (path === '' ? key : `${path}.${key}`)
  const setCookie = optionalBoolean(record.setCookie, at('setCookie'), fail) ?? false
  if (setCookie && !registration.cookie) {
    throw fail(at('setCookie'), 'needs the `cookie` option (the cookie to set)')
  }
  return {
    maxMessageAge: optionalInteger(record.maxMessageAge, at('maxMessageAge'), fail, {
      min: 1,
      max: 86_400,
      fallback: 120,
    }),
    setCookie,
    rateLimit: resolveRateLimit(record.rateLimit, at('rateLimit'), fail),
  }
}

/** The shared keys of the helper routes' options (an adapter adds its own). */
export const HELPER_ROUTE_KEYS = ['maxMessageAge', 'setCookie', 'rateLimit'] as const
