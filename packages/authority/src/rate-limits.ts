import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { decodeJwt } from 'jose'
import { rateLimitRefusal, walletKey } from 'picket-core'
import type { RateLimitConfig, RateLimitWindow } from './config.js'
import { AuthorityError } from './errors.js'

/** The endpoints that cost the authority work per call (a nonce stored, a signature checked, a chain read). */
const LIMITED = new Map<string, { name: string; method: 'GET' | 'POST'; perWallet: boolean }>([
  ['/auth/nonce', { name: 'nonce', method: 'POST', perWallet: true }],
  ['/auth', { name: 'auth', method: 'POST', perWallet: true }],
  ['/authz', { name: 'authz', method: 'POST', perWallet: true }],
  [
    '/chains/:chain/wallets/:walletAddress/tokenOwnership',
    { name: 'tokenOwnership', method: 'POST', perWallet: true },
  ],
  // OAuth: the hosted page's nonce, the wallet login of authorize, and the code / refresh
  // exchanges (no wallet in a token request: per IP only, or one counter would hold everyone).
  ['/oauth2/signing-message', { name: 'nonce', method: 'POST', perWallet: true }],
  ['/oauth2/authorize', { name: 'auth', method: 'GET', perWallet: true }],
  ['/oauth2/token', { name: 'token', method: 'POST', perWallet: false }],
])

/** A GET's limits hold for its HEAD twin too (Fastify adds one per GET unless told not to). */
function sameMethod(method: string | string[], limited: 'GET' | 'POST'): boolean {
  const methods = Array.isArray(method) ? method : [method]
  return methods.some((m) => m === limited || (limited === 'GET' && m === 'HEAD'))
}

/**
 * The wallet a request is about: for `authz` the token's (decoded without verifying: it only
 * picks a counter; a forged one spreads over counters but still meets the per-IP limit and fails
 * verification at once), whatever else the body says; for `tokenOwnership` the one in the path;
 * otherwise the body's `walletAddress` (`wallet_address` from picket-go).
 */
function walletOf(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | undefined
  if (body && typeof body === 'object' && body.accessToken !== undefined) {
    try {
      return walletKey(decodeJwt(String(body.accessToken)).walletAddress)
    } catch {
      return ''
    }
  }
  const params = request.params as { walletAddress?: unknown } | undefined
  if (params?.walletAddress !== undefined) return walletKey(params.walletAddress)
  const query = request.query as { walletAddress?: unknown } | undefined
  if (query && typeof query === 'object' && typeof query.walletAddress === 'string')
    return walletKey(query.walletAddress)
  if (body && typeof body === 'object') {
    if (body.walletAddress !== undefined) return walletKey(body.walletAddress)
    if (body.wallet_address !== undefined) return walletKey(body.wallet_address)
  }
  return ''
}

/**
 * Rate limits on `auth/nonce`, `auth` and `authz` through @fastify/rate-limit: per client IP
 * (before the body is read) and per wallet (after), each counted per endpoint, in Redis when the
 * authority has one (so every instance shares the counts), in memory otherwise. Exceeding one is
 * 429 with Retry-After. Register before the routes: the hooks are attached in `onRoute`.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  config: RateLimitConfig | false,
  redis: Redis | undefined,
): Promise<void> {
  if (!config) return
  await app.register(rateLimit, {
    global: false,
    // A Redis outage is not the client's fault: the request goes on, and the nonce store (same
    // Redis) answers 503 itself; authz stays bounded by the reader's pool and per-request caps.
    skipOnError: true,
    ...(redis ? { redis, nameSpace: 'picket-authority-rate-limit:' } : {}),
  })
  // createRateLimit, not rateLimit: @fastify/rate-limit's ready-made hooks let only the first of
  // them run on a request, and each request here meets two (per IP, then per wallet).
  const limiter = (window: RateLimitWindow, key: (request: FastifyRequest) => string) => {
    const check = app.createRateLimit({ max: window.max, timeWindow: window.windowMs, keyGenerator: key })
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const refusal = rateLimitRefusal(await check(request))
      if (refusal === undefined) return
      reply.header('retry-after', String(refusal.retryAfter))
      throw new AuthorityError(429, 'rate_limited', `Too many requests: ${refusal.message}`, {
        retryAfter: refusal.retryAfter,
      })
    }
  }
  // A request naming no wallet (the hosted login page, a malformed body) is not counted per
  // wallet: all of them would share one counter and hold each other up. The per-IP limit holds.
  const perWalletLimiter =
    (check: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (walletOf(request) !== '') await check(request, reply)
    }
  const hooks = new Map<string, { onRequest?: unknown; preHandler?: unknown }>()
  for (const [url, { name, perWallet }] of LIMITED) {
    hooks.set(url, {
      ...(config.perIp ? { onRequest: limiter(config.perIp, (r) => `${name}:ip:${r.ip}`) } : {}),
      ...(config.perWallet && perWallet
        ? { preHandler: perWalletLimiter(limiter(config.perWallet, (r) => `${name}:wallet:${walletOf(r)}`)) }
        : {}),
    })
  }
  app.addHook('onRoute', (route) => {
    const suffix = [...LIMITED.keys()].find(
      (url) => route.url === `${route.prefix}${url}` && sameMethod(route.method, LIMITED.get(url)!.method),
    )
    const extra = suffix ? hooks.get(suffix) : undefined
    if (!extra) return
    for (const name of ['onRequest', 'preHandler'] as const) {
      const hook = extra[name]
      if (!hook) continue
      const existing = route[name] as unknown
      route[name] = [
        hook,
        ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      ] as never
    }
  })
}
