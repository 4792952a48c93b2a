import type { FastifyRequest, RouteShorthandOptions } from 'fastify'
import type { JSONWebKeySet } from 'jose'
import { isRecord } from '../client/body-text.js'
import { PicketClient, type PicketClientOptions } from '../client/index.js'
import { RequirementsError } from '../core/errors.js'
import { normalizeRequirements } from '../core/requirements.js'
import type { AccessTokenPayload, Requirements, RequirementsInput } from '../core/types.js'
import { PicketOptionsError } from './errors.js'

export type GateHookName = 'onRequest' | 'preValidation' | 'preHandler'

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
  /** Refetch the JWKS after this many ms (default 10 min); stale keys keep working if it is down. */
  maxAge?: number
}

export type AllowedDomains = ReadonlyArray<string | RegExp> | ((domain: string) => boolean)

export interface HelperRoutesOptions {
  /** Default `/auth`. */
  prefix?: string
  /** SIWE `context.domain` values accepted by `/login` (host[:port]): strings, RegExps or a function. */
  allowedDomains: AllowedDomains
  /** Login requirements, from the server's config only (never from the request body). */
  requirements?: RequirementsInput
  /** Seconds a SIWE `issuedAt` may be old at login (default 120, the nonce lifetime). */
  maxMessageAge?: number
  /** Set the access token as an httpOnly cookie on login (needs `cookie` and @fastify/cookie). */
  setCookie?: boolean
  /** Merged into every helper route's options, e.g. `{ config: { rateLimit: { max: 10 } } }`. */
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
  /** A ready client; `apiKey`/`baseURL` are then ignored. */
  client?: PicketClient
  /** Local verification; when absent tokens are validated remotely through the API. */
  verify?: VerifyOptions
  /**
   * Remote mode: the project id whose tokens are accepted; an answer from `/auth/validate` for
   * another project's token is refused. (Local mode uses `verify.audience`.)
   */
  audience?: string
  /** Verified-token cache (default `{ max: 10000, ttl: 300000 }`), or `false` to verify every time. */
  cache?: { max?: number; ttl?: number } | false
  /** Cache of `revalidate` answers per token and requirements (default ttl 30 s, max 10 000). */
  revalidateCache?: { max?: number; ttl?: number }
  /** Hook the route gate runs in (default `preHandler`). `onRequest` runs before body parsing. */
  hook?: GateHookName
  /** Custom token source; return `undefined` when the request has none. */
  extractToken?: (request: FastifyRequest) => string | undefined | Promise<string | undefined>
  /** Read the token from this cookie as well (through @fastify/cookie). */
  cookie?: CookieOptions
  /** Revocation check, run on every gated request, cache hits included. */
  isRevoked?: (claims: AccessTokenPayload, request: FastifyRequest) => boolean | Promise<boolean>
  /** Ask `/authz` when a token lacks a route's requirements (default false). */
  incremental?: boolean
  /** `realm` of `WWW-Authenticate` challenges (default `picket`). */
  realm?: string
  /** Helper routes (`/auth/nonce`, `/auth/login`, …), or `false` (default) for none. */
  routes?: HelperRoutesOptions | false
}

export interface ResolvedOptions {
  client: PicketClient
  verify: VerifyOptions | undefined
  audience: string | undefined
  cache: { max: number; ttl: number } | false
  revalidateCache: { max: number; ttl: number }
  hook: GateHookName
  extractToken: PicketPluginOptions['extractToken']
  cookie: CookieOptions | undefined
  isRevoked: PicketPluginOptions['isRevoked']
  incremental: boolean
  realm: string
  routes:
    | (Required<Pick<HelperRoutesOptions, 'prefix' | 'maxMessageAge' | 'setCookie'>> & {
        allowedDomains: AllowedDomains
        requirements: Requirements
        routeOptions: RouteShorthandOptions
      })
    | false
}

function fail(option: string, problem: string): never {
  throw new PicketOptionsError(option, problem)
}

function positiveInteger(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    fail(option, 'must be a non-negative integer')
  return value
}

function optionalFunction<T>(value: T | undefined, option: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function')
  return value
}

function resolveClient(options: PicketPluginOptions): PicketClient {
  if (options.client !== undefined) {
    if (!(options.client instanceof PicketClient)) fail('client', 'must be a PicketClient')
    return options.client
  }
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    fail('apiKey', 'is required (the project secret key) unless `client` is given')
  }
  if (options.baseURL !== undefined && typeof options.baseURL !== 'string')
    fail('baseURL', 'must be a string')
  return new PicketClient(options.apiKey, {
    ...options.clientOptions,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
  })
}

function resolveVerify(verify: unknown): VerifyOptions | undefined {
  if (verify === undefined) return undefined
  if (!isRecord(verify)) fail('verify', 'must be an object')
  const { jwks, audience, issuer, algorithms } = verify
  if (typeof jwks === 'string') {
    try {
      new URL(jwks)
    } catch {
      fail('verify.jwks', 'must be an absolute URL or a JWKS object')
    }
  } else if (!(jwks instanceof URL) && !(isRecord(jwks) && Array.isArray(jwks.keys))) {
    fail('verify.jwks', 'must be an absolute URL or a JWKS object ({ keys: [...] })')
  }
  if (typeof audience !== 'string' || audience === '') fail('verify.audience', 'is required (the project id)')
  if (issuer !== undefined && typeof issuer !== 'string') fail('verify.issuer', 'must be a string')
  if (algorithms !== undefined) {
    if (
      !Array.isArray(algorithms) ||
      algorithms.length === 0 ||
      !algorithms.every((a) => typeof a === 'string')
    ) {
      fail('verify.algorithms', 'must be a non-empty array of algorithm names')
    }
    if (algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
      // Symmetric algorithms with a public key set is the classic algorithm-confusion hole.
      fail('verify.algorithms', 'must not include "none" or HMAC algorithms')
    }
  }
  return verify as unknown as VerifyOptions
}

function resolveAudience(audience: unknown): string | undefined {
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    fail('audience', 'must be a non-empty string (the project id)')
  }
  return audience
}

function resolveRequirements(value: unknown, option: string): Requirements {
  try {
    return normalizeRequirements(value)
  } catch (error) {
    if (error instanceof RequirementsError) fail(`${option}.${error.field}`, error.message)
    throw error
  }
}

function resolveRoutes(routes: unknown, cookie: CookieOptions | undefined): ResolvedOptions['routes'] {
  if (routes === undefined || routes === false) return false
  if (!isRecord(routes)) fail('routes', 'must be an object or false')
  const {
    prefix = '/auth',
    allowedDomains,
    requirements,
    maxMessageAge,
    setCookie = false,
    routeOptions = {},
  } = routes
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) {
    fail('routes.prefix', "must be a path starting with '/'")
  }
  const domainsOk =
    typeof allowedDomains === 'function' ||
    (Array.isArray(allowedDomains) &&
      allowedDomains.length > 0 &&
      allowedDomains.every((d) => (typeof d === 'string' && d !== '') || d instanceof RegExp))
  if (!domainsOk) fail('routes.allowedDomains', 'is required: non-empty strings, RegExps or a function')
  if (typeof setCookie !== 'boolean') fail('routes.setCookie', 'must be a boolean')
  if (setCookie && !cookie) fail('routes.setCookie', 'needs the `cookie` option')
  if (!isRecord(routeOptions)) fail('routes.routeOptions', 'must be an object')
  return {
    prefix: prefix.replace(/\/$/, ''),
    allowedDomains: allowedDomains as AllowedDomains,
    requirements: resolveRequirements(requirements, 'routes.requirements'),
    maxMessageAge: positiveInteger(maxMessageAge, 'routes.maxMessageAge', 120),
    setCookie,
    routeOptions: routeOptions as RouteShorthandOptions,
  }
}

function resolveCookie(cookie: unknown): CookieOptions | undefined {
  if (cookie === undefined) return undefined
  if (!isRecord(cookie) || typeof cookie.name !== 'string' || cookie.name === '') {
    fail('cookie', 'must be { name: string, signed?: boolean }')
  }
  if (cookie.sameSite !== undefined && !['lax', 'strict', 'none'].includes(cookie.sameSite as string)) {
    fail('cookie.sameSite', "must be 'lax', 'strict' or 'none'")
  }
  return cookie as unknown as CookieOptions
}

/** Validates options at register time; a bad option is a `PicketOptionsError` naming it. */
export function resolveOptions(options: PicketPluginOptions): ResolvedOptions {
  if (!isRecord(options as unknown)) fail('options', 'must be an object')
  const hook = options.hook ?? 'preHandler'
  if (!['onRequest', 'preValidation', 'preHandler'].includes(hook)) {
    fail('hook', "must be 'onRequest', 'preValidation' or 'preHandler'")
  }
  let cache: ResolvedOptions['cache'] = { max: 10_000, ttl: 300_000 }
  if (options.cache === false) cache = false
  else if (options.cache !== undefined) {
    if (!isRecord(options.cache)) fail('cache', 'must be { max?, ttl? } or false')
    cache = {
      max: positiveInteger(options.cache.max, 'cache.max', 10_000) || 1,
      ttl: positiveInteger(options.cache.ttl, 'cache.ttl', 300_000),
    }
  }
  const revalidateCache = options.revalidateCache ?? {}
  if (!isRecord(revalidateCache)) fail('revalidateCache', 'must be { max?, ttl? }')
  if (options.incremental !== undefined && typeof options.incremental !== 'boolean') {
    fail('incremental', 'must be a boolean')
  }
  if (options.realm !== undefined && (typeof options.realm !== 'string' || /["\\\r\n]/.test(options.realm))) {
    fail('realm', 'must be a string without quotes, backslashes or line breaks')
  }
  const cookie = resolveCookie(options.cookie)
  return {
    client: resolveClient(options),
    verify: resolveVerify(options.verify),
    audience: resolveAudience(options.audience),
    cache,
    revalidateCache: {
      max: positiveInteger(revalidateCache.max, 'revalidateCache.max', 10_000) || 1,
      ttl: positiveInteger(revalidateCache.ttl, 'revalidateCache.ttl', 30_000),
    },
    hook,
    extractToken: optionalFunction(options.extractToken, 'extractToken'),
    cookie,
    isRevoked: optionalFunction(options.isRevoked, 'isRevoked'),
    incremental: options.incremental ?? false,
    realm: options.realm ?? 'picket',
    routes: resolveRoutes(options.routes, cookie),
  }
}

export { resolveRequirements }
