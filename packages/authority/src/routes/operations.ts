import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AuthorityError } from '../errors.js'
import { errorResponse, json } from '../openapi/schemas.js'
import { loginOutcomeOf, noteLoginError } from '../operations/login-outcomes.js'
import { authorityDependencyChecks, createReadiness, type ReadinessReport } from '../operations/readiness.js'
import type { AuthorityRuntime } from '../runtime.js'
import { PUBLIC_ROUTE } from './well-known.js'

const DEPENDENCY_RESULTS = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'ok', 'ms'],
    additionalProperties: false,
    properties: {
      name: {
        type: 'string',
        example: 'chain:ethereum',
        description: '`signingKey`, `redis` or `chain:<slug>`',
      },
      ok: { type: 'boolean' },
      error: { type: 'string', description: 'Why it failed (never a URL or a key)' },
      ms: { type: 'integer', description: 'Milliseconds the check took' },
    },
  },
} as const

const HEALTHZ_SCHEMA = {
  summary: 'Liveness: the process answers',
  description: 'Always 200 while the process serves HTTP; checks no dependency. Public, not rate limited.',
  tags: ['Operations'],
  response: {
    200: json('Alive', {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { type: 'string', enum: ['ok'] } },
    }),
  },
} as const

const READYZ_SCHEMA = {
  summary: 'Readiness: the dependencies answer',
  description:
    'Whether the signing key is loaded, Redis (with `redisUrl`) answers PING, and every chain whose `rpcUrl` is ' +
    'configured answers (`eth_chainId` matching its chain id, Solana `getHealth`), each within a short timeout. ' +
    'Served from a cache of about 2 s shared by concurrent probes, so probes never multiply upstream calls. ' +
    'Public, not rate limited.',
  tags: ['Operations'],
  response: {
    200: json('Ready', {
      type: 'object',
      required: ['status', 'checks', 'checkedAt'],
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: ['ready'] },
        checks: DEPENDENCY_RESULTS,
        checkedAt: { type: 'string', description: 'When the checks ran (ISO 8601)' },
      },
    }),
    503: json(
      'Not ready: `failing` names each failing dependency',
      {
        type: 'object',
        required: ['status', 'msg', 'code', 'failing', 'checks', 'checkedAt'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['unavailable'] },
          msg: { type: 'string', example: 'Not ready: redis, chain:ethereum' },
          code: { type: 'string', enum: ['service_unavailable'] },
          failing: { type: 'array', items: { type: 'string' }, example: ['redis'] },
          checks: DEPENDENCY_RESULTS,
          checkedAt: { type: 'string' },
        },
      },
      { 'Retry-After': { type: 'integer', description: 'Seconds until the next check' } },
    ),
  },
} as const

const METRICS_SCHEMA = {
  summary: 'Prometheus metrics',
  description:
    "The authority's metrics in the Prometheus text format: `picket_authority_logins_total{endpoint,outcome}`, " +
    '`picket_authority_nonce_store_size`, `picket_authority_chain_rpc_duration_seconds{chain,endpoint}`, ' +
    '`picket_authority_chain_rpc_errors_total{chain,endpoint,kind}`, ' +
    '`picket_authority_http_request_duration_seconds{method,route,status_code}`, ' +
    '`picket_authority_dependency_up{dependency}`. Public unless the configuration sets `metrics.bearerToken` ' +
    '(then `Authorization: Bearer <token>`); absent with `metrics: false`.',
  tags: ['Operations'],
  response: {
    200: {
      description: 'The metrics (text/plain; version=0.0.4)',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
    401: errorResponse(401, '`metrics.bearerToken` is configured and the bearer token is missing or wrong'),
  },
} as const

/** Answers go to monitors, never to caches in between. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store')
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Operations: `GET /healthz`, `GET /readyz`, `GET /metrics` (public routes, not rate limited),
 * and the hooks that feed the metrics: every answer's duration by route template, and the
 * outcome of every `POST /auth` and `GET /oauth2/authorize` login. Register before the routes.
 */
export function registerOperations(app: FastifyInstance, runtime: AuthorityRuntime): void {
  const { metrics } = runtime
  const prefix = app.prefix
  const loginEndpoint = (request: FastifyRequest): string | undefined => {
    const url = request.routeOptions.url
    if (url === `${prefix}/auth` && request.method === 'POST') return 'auth'
    if (url === `${prefix}/oauth2/authorize` && request.method === 'GET') return 'oauth2_authorize'
    return undefined
  }

  app.addHook('onError', async (request, _reply, error) => {
    if (loginEndpoint(request)) noteLoginError(request, error)
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? '(not found)' : (request.routeOptions.url ?? '(unmatched)')
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
    const endpoint = loginEndpoint(request)
    if (!endpoint) return
    // /auth answers every request with a login result; /oauth2/authorize also serves the hosted
    // login page, which is no login: it counts only what it noted (a code issued, a refusal).
    const outcome =
      loginOutcomeOf(request) ??
      (endpoint === 'auth' ? (reply.statusCode < 400 ? 'success' : `http_${reply.statusCode}`) : undefined)
    if (outcome) metrics.logins.inc({ endpoint, outcome })
  })

  app.get('/healthz', { config: PUBLIC_ROUTE, schema: HEALTHZ_SCHEMA }, async (_request, reply) => {
    noStore(reply)
    return { status: 'ok' }
  })

  const readiness = createReadiness(authorityDependencyChecks(runtime), {
    onReport: (report: ReadinessReport) => {
      for (const check of report.checks)
        metrics.dependencyUp.set({ dependency: check.name }, check.ok ? 1 : 0)
    },
  })
  app.get('/readyz', { config: PUBLIC_ROUTE, schema: READYZ_SCHEMA }, async (_request, reply) => {
    const report = await readiness.report()
    noStore(reply)
    const checkedAt = new Date(report.checkedAt).toISOString()
    if (report.ready) return { status: 'ready', checks: report.checks, checkedAt }
    reply.header('retry-after', String(Math.max(1, Math.ceil(readiness.cacheMs / 1000))))
    return reply.code(503).send({
      status: 'unavailable',
      msg: `Not ready: ${report.failing.join(', ')}`,
      code: 'service_unavailable',
      failing: report.failing,
      checks: report.checks,
      checkedAt,
    })
  })

  const { metrics: exposure } = runtime.config
  if (!exposure.enabled) return
  const expected = exposure.bearerToken === undefined ? undefined : sha256(`Bearer ${exposure.bearerToken}`)
  app.get('/metrics', { config: PUBLIC_ROUTE, schema: METRICS_SCHEMA }, async (request, reply) => {
    if (expected) {
      // Digests compared in constant time: the comparison says nothing about the token's bytes.
      const given = sha256(request.headers.authorization ?? '')
      if (!timingSafeEqual(given, expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"')
        throw new AuthorityError(401, 'authentication_required', 'Metrics need the configured bearer token')
      }
    }
    const text = await metrics.registry.metrics()
    return noStore(reply).type(metrics.registry.contentType).send(text)
  })
}
