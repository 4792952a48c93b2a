import type { FastifyRequest, RouteShorthandOptions } from 'fastify'
import type { JSONWebKeySet } from 'jose'
import { PicketConfigError } from '../client/errors.js'
import { PicketClient, type PicketClientOptions } from '../client/index.js'
import { type GateRequirements, parseGateRequirements } from '../core/gate-requirements.js'
import { isRecord } from '../core/is-record.js'
import {
  childPath,
  describeValue,
  expectRecord,
  httpUrl,
  type KnownKeys,
  oneOf,
  optionalBoolean,
  optionalFunction,
  optionalInteger,
  optionalString,
  refuseUnknownKeys,
  requiredString,
} from '../core/strict-input.js'
import type { AccessTokenPayload, Requirements } from '../core/types.js'
import { optionsError } from './errors.js'

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
  requirements?: GateRequirements
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
  /** A ready client, instead of `apiKey`/`baseURL`/`clientOptions` (giving both is refused). */
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

export interface ResolvedVerifyOptions extends Omit<VerifyOptions, 'jwks'> {
  /** A key set object, or the JWKS URL (always http(s)). */
  jwks: URL | JSONWebKeySet
}

export interface ResolvedOptions {
  client: PicketClient
  verify: ResolvedVerifyOptions | undefined
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

const fail = optionsError

const TOP_LEVEL: KnownKeys = {
  keys: [
    'apiKey',
    'baseURL',
    'clientOptions',
    'client',
    'verify',
    'audience',
    'cache',
    'revalidateCache',
    'hook',
    'extractToken',
    'cookie',
    'isRevoked',
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
      "is not applied: fastify-picket adds no routes of its own prefix; the helper routes' prefix is routes.prefix",
    allowedDomains: 'belongs in routes (routes.allowedDomains)',
    requirements: "login requirements go in routes.requirements; a route's gate goes in its config.picket",
    logLevel: 'is not applied to fastify-picket (it is registered without encapsulation)',
  },
}
const VERIFY: KnownKeys = {
  keys: ['jwks', 'audience', 'issuer', 'algorithms', 'clockTolerance', 'timeout', 'cooldown', 'maxAge'],
  elsewhere: {
    jwksUri: "is called 'jwks'",
    jwksUrl: "is called 'jwks'",
    aud: "is called 'audience'",
    iss: "is called 'issuer'",
  },
}
const CACHE: KnownKeys = { keys: ['max', 'ttl'] }
const COOKIE: KnownKeys = { keys: ['name', 'signed', 'secure', 'sameSite', 'path', 'domain'] }
const ROUTES: KnownKeys = {
  keys: ['prefix', 'allowedDomains', 'requirements', 'maxMessageAge', 'setCookie', 'routeOptions'],
}
const CLIENT_OPTIONS: KnownKeys = {
  keys: ['timeout', 'retry', 'fetch', 'userAgent'],
  elsewhere: { baseURL: 'belongs at the top level (baseURL), beside apiKey' },
}

/** Largest delay timers accept (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647

function resolveClient(options: PicketPluginOptions): PicketClient {
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
  requiredString(options.apiKey, 'apiKey', fail, "the project's secret key (or pass `client`)")
  if (options.baseURL !== undefined) httpUrl(options.baseURL, 'baseURL', fail)
  if (options.clientOptions !== undefined) {
    refuseUnknownKeys(
      expectRecord(options.clientOptions, 'clientOptions', fail),
      CLIENT_OPTIONS,
      'clientOptions',
      fail,
    )
  }
  try {
    return new PicketClient(options.apiKey!, {
      ...options.clientOptions,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
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

function resolveVerify(value: unknown, audience: unknown): ResolvedVerifyOptions | undefined {
  if (value === undefined) return undefined
  const verify = expectRecord(value, 'verify', fail, '{ jwks, audience, issuer? }')
  refuseUnknownKeys(verify, VERIFY, 'verify', fail)
  if (audience !== undefined) {
    throw fail('audience', 'is for remote mode (no verify); with local verification it is verify.audience')
  }
  let jwks: URL | JSONWebKeySet
  if (typeof verify.jwks === 'string' || verify.jwks instanceof URL) {
    jwks = httpUrl(verify.jwks, 'verify.jwks', fail)
  } else if (isRecord(verify.jwks) && Array.isArray(verify.jwks.keys)) {
    jwks = verify.jwks as unknown as JSONWebKeySet
  } else {
    throw fail(
      'verify.jwks',
      `must be the JWKS URL or a key set ({ keys: [...] }), got ${describeValue(verify.jwks)}`,
    )
  }
  const resolved: ResolvedVerifyOptions = {
    jwks,
    audience: requiredString(verify.audience, 'verify.audience', fail, "the project id (the tokens' aud)"),
  }
  const issuer = optionalString(verify.issuer, 'verify.issuer', fail)
  if (issuer !== undefined) resolved.issuer = issuer
  if (verify.algorithms !== undefined) {
    const algorithms = verify.algorithms
    if (
      !Array.isArray(algorithms) ||
      algorithms.length === 0 ||
      !algorithms.every((a) => typeof a === 'string')
    ) {
      throw fail('verify.algorithms', "must be a non-empty array of algorithm names, e.g. ['ES256']")
    }
    if (algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
      // Symmetric algorithms with a public key set is the classic algorithm-confusion hole.
      throw fail(
        'verify.algorithms',
        'must not include "none" or HMAC algorithms (HS256…): Picket signs with ES256',
      )
    }
    resolved.algorithms = algorithms as string[]
  }
  if (verify.clockTolerance !== undefined) {
    resolved.clockTolerance = optionalInteger(verify.clockTolerance, 'verify.clockTolerance', fail, {
      min: 0,
      max: 300,
      fallback: 5,
    })
  }
  for (const key of ['timeout', 'cooldown', 'maxAge'] as const) {
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

function resolveCache(value: unknown, path: string, fallback: { max: number; ttl: number }) {
  if (value === undefined) return fallback
  const cache = expectRecord(value, path, fail, '{ max?, ttl? }')
  refuseUnknownKeys(cache, CACHE, path, fail)
  return {
    max: optionalInteger(cache.max, `${path}.max`, fail, { min: 1, fallback: fallback.max }),
    ttl: optionalInteger(cache.ttl, `${path}.ttl`, fail, {
      min: 0,
      max: MAX_TIMER_MS,
      fallback: fallback.ttl,
    }),
  }
}

function resolveAllowedDomains(value: unknown): AllowedDomains {
  if (typeof value === 'function') return value as AllowedDomains
  if (value === undefined) {
    throw fail(
      'routes.allowedDomains',
      "is required: the SIWE domains (host[:port]) your pages sign in from, e.g. ['localhost:3000'], RegExps or a function",
    )
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw fail(
      'routes.allowedDomains',
      `must be a non-empty array of domains, RegExps or a function, got ${describeValue(value)}`,
    )
  }
  value.forEach((entry, index) => {
    if (entry instanceof RegExp) return
    if (typeof entry !== 'string' || entry === '' || /[/\s]/.test(entry)) {
      throw fail(
        `routes.allowedDomains[${index}]`,
        `must be a host[:port] such as 'example.com' or 'localhost:3000' (no scheme or path), got ${describeValue(entry)}`,
      )
    }
  })
  return value as AllowedDomains
}

function resolveRoutes(value: unknown, cookie: CookieOptions | undefined): ResolvedOptions['routes'] {
  if (value === undefined || value === false) return false
  const routes = expectRecord(value, 'routes', fail, '{ allowedDomains, prefix?, requirements?, … } or false')
  refuseUnknownKeys(routes, ROUTES, 'routes', fail)
  const prefix = routes.prefix ?? '/auth'
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) {
    throw fail('routes.prefix', `must be a path starting with '/', got ${describeValue(prefix)}`)
  }
  const setCookie = optionalBoolean(routes.setCookie, 'routes.setCookie', fail) ?? false
  if (setCookie && !cookie) throw fail('routes.setCookie', 'needs the `cookie` option (the cookie to set)')
  const routeOptions = routes.routeOptions ?? {}
  expectRecord(routeOptions, 'routes.routeOptions', fail, 'Fastify route options')
  return {
    prefix: prefix.replace(/\/$/, ''),
    allowedDomains: resolveAllowedDomains(routes.allowedDomains),
    requirements:
      routes.requirements === undefined && !Object.hasOwn(routes, 'requirements')
        ? Object.freeze({})
        : parseGateRequirements(routes.requirements, 'routes.requirements', fail),
    maxMessageAge: optionalInteger(routes.maxMessageAge, 'routes.maxMessageAge', fail, {
      min: 1,
      max: 86_400,
      fallback: 120,
    }),
    setCookie,
    routeOptions: routeOptions as RouteShorthandOptions,
  }
}

function resolveCookie(value: unknown): CookieOptions | undefined {
  if (value === undefined) return undefined
  const cookie = expectRecord(value, 'cookie', fail, '{ name, signed?, secure?, sameSite?, path?, domain? }')
  refuseUnknownKeys(cookie, COOKIE, 'cookie', fail)
  requiredString(cookie.name, 'cookie.name', fail, 'the cookie name')
  optionalBoolean(cookie.signed, 'cookie.signed', fail)
  optionalBoolean(cookie.secure, 'cookie.secure', fail)
  if (cookie.sameSite !== undefined)
    oneOf(cookie.sameSite, ['lax', 'strict', 'none'], 'cookie.sameSite', fail)
  optionalString(cookie.path, 'cookie.path', fail)
  optionalString(cookie.domain, 'cookie.domain', fail)
  return cookie as unknown as CookieOptions
}

/**
 * Validates options at register time, strictly: an unknown key at any depth, a wrong type or a
 * value that can never work (a non-http JWKS URL) is a `PicketOptionsError` naming its path and
 * the fix, never a silently ignored setting.
 */
export function resolveOptions(options: PicketPluginOptions): ResolvedOptions {
  const raw = expectRecord(options as unknown, '', fail, 'an object') as PicketPluginOptions &
    Record<string, unknown>
  refuseUnknownKeys(raw, TOP_LEVEL, '', fail)
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
  return {
    client: resolveClient(raw),
    verify,
    audience,
    cache: raw.cache === false ? false : resolveCache(raw.cache, 'cache', { max: 10_000, ttl: 300_000 }),
    revalidateCache: resolveCache(raw.revalidateCache, 'revalidateCache', { max: 10_000, ttl: 30_000 }),
    hook,
    extractToken: optionalFunction(raw.extractToken, 'extractToken', fail),
    cookie,
    isRevoked: optionalFunction(raw.isRevoked, 'isRevoked', fail),
    incremental: optionalBoolean(raw.incremental, 'incremental', fail) ?? false,
    realm,
    routes: resolveRoutes(raw.routes, cookie),
  }
}
