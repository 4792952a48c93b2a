import type { Request } from 'express'
import { describeValue } from 'picket-core'
import {
  type AllowedDomains,
  type CookieOptions,
  type PicketServerOptions,
  type ResolvedServerOptions,
  resolveServerOptions,
  type VerifyOptions,
} from 'picket-core/server'
import { optionsError as fail } from './errors.js'

export type { AllowedDomains, CookieOptions, VerifyOptions }

/** Where the middleware logs (pino, winston and console all fit); default `console` without debug. */
export interface PicketLogger {
  debug(message: string): void
  info(message: string): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
}

/**
 * `picket(options)`: the Fastify plugin's options with the same names, rules and messages
 * (see picket-core's `PicketServerOptions`), plus `logger`.
 */
export interface PicketOptions extends PicketServerOptions<Request> {
  logger?: Partial<PicketLogger>
}

export interface ResolvedPicketOptions extends ResolvedServerOptions<Request> {
  logger: PicketLogger
}

/** The spellings Express users know from other middleware, and what they are called here. */
const EXPRESS_KEYS = {
  product: 'express-picket',
  keys: ['logger'],
  elsewhere: {
    getToken: "is called 'extractToken' here (same shape: (req) => token | undefined)",
    authRequired:
      'is per route here: requireWallet({ optional: true }) lets anonymous requests through; picket() itself never refuses',
    credentialsRequired:
      'is per route here: requireWallet({ optional: true }) lets anonymous requests through; picket() itself never refuses',
    issuerBaseURL: 'is verify.issuer (with verify.jwks), or baseURL for the Picket API',
    jwksUri: "is called 'jwks' and belongs in verify: { verify: { jwks, audience } }",
    secret: 'is not used: Picket tokens are ES256, verified with the public keys of verify.jwks',
    tokenSigningAlg: 'belongs in verify (verify.algorithms)',
    routes:
      "is a router in Express: app.use('/auth', picketRouter({ maxMessageAge?, setCookie?, rateLimit? }))",
    hook: 'is a Fastify option: in Express the gate runs where requireWallet() is placed',
  },
}
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

function resolveLogger(value: unknown): PicketLogger {
  const quiet = () => {}
  const fallback: PicketLogger = {
    debug: quiet,
    info: quiet,
    warn: (...args) => console.warn(...args),
    error: (...args) => console.error(...args),
  }
  if (value === undefined) return fallback
  if (typeof value !== 'object' || value === null) {
    throw fail(
      'logger',
      `must be a logger ({ debug?, info?, warn?, error? }: pino, winston or console), got ${describeValue(value)}`,
    )
  }
  // Read through the prototype chain: pino's and winston's methods live on their classes.
  const logger = value as Record<string, unknown>
  const resolved = { ...fallback }
  for (const level of LOG_LEVELS) {
    const method = logger[level]
    if (method === undefined) continue
    if (typeof method !== 'function') {
      throw fail(`logger.${level}`, `must be a function, got ${describeValue(method)}`)
    }
    resolved[level] = method.bind(value) as never
  }
  return resolved
}

/** Validates `picket()`'s options strictly: every mistake is a `PicketOptionsError` naming its path and the fix. */
export function resolvePicketOptions(options: PicketOptions): ResolvedPicketOptions {
  if (isRequest(options)) {
    throw fail('picket', 'is a factory: mount picket(options), with its options, not picket itself')
  }
  if (options === undefined) {
    throw fail(
      'picket()',
      'needs its options: picket({ apiKey, baseURL, verify: { jwks, audience }, allowedDomains })',
    )
  }
  const { resolved, raw } = resolveServerOptions<Request>(options, fail, EXPRESS_KEYS)
  return { ...resolved, logger: resolveLogger(raw.logger) }
}

/** A request handed to a factory by mistake (`app.use(picket)`, `app.get('/', requireWallet, …)`). */
export function isRequest(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && 'method' in value && 'headers' in value && 'url' in value
  )
}
