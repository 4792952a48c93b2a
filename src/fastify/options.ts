import type { FastifyRequest, RouteShorthandOptions } from 'fastify'
import type { AccessTokenPayload } from 'picket-core'
import {
  chainTypeOf,
  childPath,
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
} from 'picket-core'
import { PicketClient, type PicketClientOptions, PicketConfigError } from 'picket-core/client'
import { type AllowedDomains, resolveAllowedDomains } from './domain-options.js'
import { optionsError as fail } from './errors.js'
import { type RateLimitOptions, type ResolvedRateLimit, resolveRateLimit } from './rate-limit-options.js'
import type { RevocationList } from './revocation.js'
import { type ResolvedVerifyOptions, resolveVerify, type VerifyOptions } from './verify-options.js'

export type { AllowedDomains, ResolvedVerifyOptions, VerifyOptions }
export type GateHookName = 'onRequest' | 'preValidation' | 'preHandler'

export interface HelperRoutesOptions {
  /** Default `/auth`. */
  prefix?: string
  /** Seconds a SIWE `issuedAt` may be old at login (default 120, the nonce lifetime). */
  maxMessageAge?: number
  /** Set the access token as an httpOnly cookie on login (needs `cookie` and @fastify/cookie). */
  setCookie?: boolean
  /** Rate limits of the helper routes, per IP and per wallet (429 + Retry-After), or `false`. */
  rateLimit?: RateLimitOptions | false
  /** Merged into every helper route's options (Fastify route options, checked by name). */
  routeOptions?: RouteShorthandOptions
}

export interface CookieOptions {
  name: string
  /** Read and write it signed (@fastify/cookie `secret` required). */
  signed?: boolean
  /** Cookie attributes when the plugin sets it (default httpOnly, Secure, SameSite=Lax, path /). */
  secure?: boolean
  sameSite?: 'lax' | 'strict' | 'none'
  path?: string
  domain?: string
}

export interface PicketPluginOptions {
  /** Secret key of the project; required unless `client` is given. */
  apiKey?: string
  /** API base URL: hosted Picket or the bundled authority. */
  baseURL?: string
  /** Options for the client the plugin creates (timeout, retry, fetch, userAgent). */
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
   * The chain gates apply to (default `ethereum`); a route may name another in
   * `config.picket.chain`. A token signed in on another chain never satisfies a gate's
   * requirements.
   */
  chain?: string
  /**
   * Requirements of this whole registration: every gated request must meet them as well as
   * its route's own, and `/auth/login` asks for them. So a token minted elsewhere (directly at
   * the API with the publishable key) cannot skip the login rules.
   */
  requirements?: GateRequirements
  /**
   * The SIWE domains (host[:port]) your pages sign in from. `/auth/login` accepts only these,
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
  /** Hook the route gate runs in (default `preHandler`). `onRequest` runs before body parsing. */
  hook?: GateHookName
  /** Custom token source; return `undefined` (or `null`) when the request has none. */
  extractToken?: (request: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>
  /** Read the token from this cookie as well (through @fastify/cookie). */
  cookie?: CookieOptions
  /** Revocation check, run on every gated request, cache hits included. */
  isRevoked?: (claims: AccessTokenPayload, request: FastifyRequest) => boolean | Promise<boolean>
  /**
   * A shared revocation list (e.g. `createRedisRevocationList()`): its `isRevoked` runs on every
   * gated request, and `/auth/logout` revokes the token it ends. Instead of `isRevoked`.
   */
  revocationList?: Pick<RevocationList, 'isRevoked' | 'revoke'>
  /** Ask `/authz` when a token lacks a route's requirements (default false). */
  incremental?: boolean
  /** `realm` of `WWW-Authenticate` challenges (default `picket`). */
  realm?: string
  /** Helper routes (`/auth/nonce`, `/auth/login`, …), or `false` (default) for none. */
  routes?: HelperRoutesOptions | false
}

export interface ResolvedOptions {
  client: PicketClient
  verify: ResolvedVerifyOptions | undefined
  audience: string | undefined
  /** The default chain of gates. */
  chain: string
  /** The registration's own requirements, applied to every gated request (`undefined`: none). */
  floor: ResolvedGate | undefined
  allowedDomains: AllowedDomains | undefined
  acceptTokensWithoutDomain: boolean
  cache: { max: number; ttl: number } | false
  revalidateCache: { max: number; ttl: number }
  hook: GateHookName
  extractToken: PicketPluginOptions['extractToken']
  cookie: CookieOptions | undefined
  isRevoked: PicketPluginOptions['isRevoked']
  revoke: RevocationList['revoke'] | undefined
  incremental: boolean
  realm: string
  routes:
    | (Required<Pick<HelperRoutesOptions, 'prefix' | 'maxMessageAge' | 'setCookie'>> & {
        allowedDomains: AllowedDomains
        rateLimit: ResolvedRateLimit | false
        routeOptions: RouteShorthandOptions
      })
    | false
}

const TOP_LEVEL: KnownKeys = {
  keys: [
    'apiKey',
    'baseURL',
    'clientOptions',
    'client',
    'verify',
    'audience',
    'chain',
    'requirements',
    'allowedDomains',
    'acceptTokensWithoutDomain',
    'cache',
    'revalidateCache',
    'hook',
    'extractToken',
    'cookie',
    'isRevoked',
    'revocationList',
    'incremental',
    'realm',
    'routes',
  ],
  elsewhere: {
    jwks: 'belongs in verify: { verify: { jwks, audience } }',
    issuer: 'belongs in verify (verify.issuer)',
    algorithms: 'belongs in verify (verify.algorithms)',
    clockTolerance: 'belongs in verify (verify.clockTolerance)',
    secretKey: "is called 'apiKey' (the project's secret key)",
    timeout: 'belongs in clientOptions (API calls) or verify (JWKS fetches)',
    retry: 'belongs in clientOptions (clientOptions.retry)',
    prefix:
      "is not applied: fastify-picket adds no prefix of its own; the helper routes' prefix is routes.prefix",
    logLevel: 'is not applied to fastify-picket (it is registered without encapsulation)',
  },
}
const CACHE: KnownKeys = { keys: ['max', 'ttl'] }
const COOKIE: KnownKeys = { keys: ['name', 'signed', 'secure', 'sameSite', 'path', 'domain'] }
const ROUTES: KnownKeys = {
  keys: ['prefix', 'maxMessageAge', 'setCookie', 'rateLimit', 'routeOptions'],
  elsewhere: {
    allowedDomains:
      'moved to the top level (allowedDomains): besides login, every token must carry one of those domains',
    requirements:
      'moved to the top level (requirements): they apply to every gated request, not only to login',
  },
}
/** Fastify's route shorthand options, so a typo in `routeOptions` is caught like any other. */
const ROUTE_OPTIONS: KnownKeys = {
  keys: [
    'schema',
    'attachValidation',
    'exposeHeadRoute',
    'validatorCompiler',
    'serializerCompiler',
    'bodyLimit',
    'handlerTimeout',
    'logLevel',
    'logSerializers',
    'config',
    'constraints',
    'prefixTrailingSlash',
    'errorHandler',
    'childLoggerFactory',
    'schemaErrorFormatter',
    'onRequest',
    'preParsing',
    'preValidation',
    'preHandler',
    'preSerialization',
    'onSend',
    'onResponse',
    'onTimeout',
    'onError',
    'onRequestAbort',
  ],
  elsewhere: {
    prefix: 'is routes.prefix',
    handler: "is the plugin's own: helper routes keep their handlers",
  },
}
const CLIENT_OPTIONS: KnownKeys = {
  keys: ['timeout', 'retry', 'fetch', 'userAgent'],
  elsewhere: { baseURL: 'belongs at the top level (baseURL), beside apiKey' },
}
/** A path of plain segments: `/auth`, `/api/v1/auth` (no query, no empty segments). */
const ROUTE_PREFIX = /^(\/[A-Za-z0-9._~-]+)*$/
const MAX_TIMER_MS = 2_147_483_647

function resolveClient(options: Record<string, unknown>): PicketClient {
  if (options.client !== undefined) {
    if (!(options.client instanceof PicketClient)) {
      throw fail(
        'client',
        `must be a PicketClient (from 'fastify-picket/client'), got ${describeValue(options.client)}`,
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

function resolveCache(value: unknown, path: string, fallback: { max: number; ttl: number }) {
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

function resolveRoutes(
  value: unknown,
  cookie: CookieOptions | undefined,
  allowedDomains: AllowedDomains | undefined,
): ResolvedOptions['routes'] {
  if (value === undefined || value === false) return false
  const routes = expectRecord(
    value,
    'routes',
    fail,
    '{ prefix?, maxMessageAge?, setCookie?, rateLimit?, routeOptions? } or false',
  )
  refuseUnknownKeys(routes, ROUTES, 'routes', fail)
  refuseUndefinedValues(routes, 'routes', fail)
  if (!allowedDomains) {
    throw fail(
      'allowedDomains',
      "is required with routes: the SIWE domains (host[:port]) your pages sign in from, e.g. ['localhost:3000']",
    )
  }
  const prefix = routes.prefix ?? '/auth'
  if (typeof prefix !== 'string' || !ROUTE_PREFIX.test(prefix.replace(/\/$/, ''))) {
    throw fail(
      'routes.prefix',
      `must be a path such as '/auth' (segments of letters, digits, . _ ~ -), got ${describeValue(prefix)}`,
    )
  }
  const setCookie = optionalBoolean(routes.setCookie, 'routes.setCookie', fail) ?? false
  if (setCookie && !cookie) throw fail('routes.setCookie', 'needs the `cookie` option (the cookie to set)')
  const routeOptions = expectRecord(
    routes.routeOptions ?? {},
    'routes.routeOptions',
    fail,
    'Fastify route options',
  )
  refuseUnknownKeys(routeOptions, ROUTE_OPTIONS, 'routes.routeOptions', fail)
  return {
    prefix: prefix.replace(/\/$/, ''),
    allowedDomains,
    maxMessageAge: optionalInteger(routes.maxMessageAge, 'routes.maxMessageAge', fail, {
      min: 1,
      max: 86_400,
      fallback: 120,
    }),
    setCookie,
    rateLimit: resolveRateLimit(routes.rateLimit, 'routes.rateLimit'),
    routeOptions: routeOptions as RouteShorthandOptions,
  }
}

function resolveCookie(value: unknown): CookieOptions | undefined {
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

function resolveRevocation(raw: Record<string, unknown>): Pick<ResolvedOptions, 'isRevoked' | 'revoke'> {
  const isRevoked = optionalFunction(raw.isRevoked as PicketPluginOptions['isRevoked'], 'isRevoked', fail)
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
  return {
    isRevoked: list.isRevoked.bind(list) as PicketPluginOptions['isRevoked'],
    revoke: list.revoke.bind(list),
  }
}

function resolveFloor(raw: Record<string, unknown>, chain: string): ResolvedGate | undefined {
  if (!Object.hasOwn(raw, 'requirements')) return undefined
  const requirements = parseGateRequirements(raw.requirements, 'requirements', fail, chainTypeOf(chain))
  return Object.freeze({ requirements, chain, optional: false, revalidate: false, incremental: undefined })
}

/**
 * Validates options at register time, strictly: an unknown key at any depth, an `undefined`
 * value (an unset environment variable), a wrong type or a value that can never work (a
 * non-http JWKS URL) is a `PicketOptionsError` naming its path and the fix, never a silently
 * ignored setting.
 */
export function resolveOptions(options: PicketPluginOptions): ResolvedOptions {
  const raw = expectRecord(options as unknown, '', fail, 'an object')
  refuseUnknownKeys(raw, TOP_LEVEL, '', fail)
  refuseUndefinedValues(raw, '', fail)
  const hook =
    raw.hook === undefined
      ? 'preHandler'
      : oneOf(raw.hook, ['onRequest', 'preValidation', 'preHandler'], 'hook', fail)
  const realm = raw.realm ?? 'picket'
  if (typeof realm !== 'string' || realm === '' || /["\\\r\n]/.test(realm)) {
    throw fail(
      'realm',
      `must be a non-empty string without quotes, backslashes or line breaks, got ${describeValue(realm)}`,
    )
  }
  const audience = optionalString(raw.audience, 'audience', fail)
  const cookie = resolveCookie(raw.cookie)
  const verify = resolveVerify(raw.verify, raw.audience)
  const chain = raw.chain === undefined ? 'ethereum' : parseChainSlug(raw.chain, 'chain', fail)
  const allowedDomains =
    raw.allowedDomains === undefined ? undefined : resolveAllowedDomains(raw.allowedDomains, 'allowedDomains')
  const acceptTokensWithoutDomain =
    optionalBoolean(raw.acceptTokensWithoutDomain, 'acceptTokensWithoutDomain', fail) ?? false
  if (acceptTokensWithoutDomain && !allowedDomains) {
    throw fail(
      'acceptTokensWithoutDomain',
      'only applies with allowedDomains (without them no token is checked for a domain)',
    )
  }
  return {
    client: resolveClient(raw),
    verify,
    audience,
    chain,
    floor: resolveFloor(raw, chain),
    allowedDomains,
    acceptTokensWithoutDomain,
    cache: raw.cache === false ? false : resolveCache(raw.cache, 'cache', { max: 10_000, ttl: 300_000 }),
    revalidateCache: resolveCache(raw.revalidateCache, 'revalidateCache', { max: 10_000, ttl: 30_000 }),
    hook,
    extractToken: optionalFunction(
      raw.extractToken as PicketPluginOptions['extractToken'],
      'extractToken',
      fail,
    ),
    cookie,
    ...resolveRevocation(raw),
    incremental: optionalBoolean(raw.incremental, 'incremental', fail) ?? false,
    realm,
    routes: resolveRoutes(raw.routes, cookie, allowedDomains),
  }
}
