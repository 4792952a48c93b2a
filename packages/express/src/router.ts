import { Ajv, type ValidateFunction } from 'ajv'
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import { expectRecord, type KnownKeys, rateLimitRefusal, refuseUnknownKeys, walletKey } from 'picket-core'
import {
  createHelperActions,
  HELPER_BODY_LIMIT,
  HELPER_BODY_SCHEMAS,
  HELPER_ROUTE_KEYS,
  type HelperActions,
  type HelperRouteOptions,
  type RateLimitWindow,
  readRequestToken,
  resolveHelperRoutes,
  resolveRateLimit,
  sessionCookieAttributes,
} from 'picket-core/server'
import { optionsError as fail, refusals } from './errors.js'
import { instanceOf, type PicketInstance } from './instance.js'
import { expressRequestAccess } from './request-access.js'
import { requireWallet } from './require-wallet.js'

export type PicketRouterOptions = HelperRouteOptions

const ROUTER: KnownKeys = {
  keys: HELPER_ROUTE_KEYS,
  elsewhere: {
    prefix: "is where you mount the router: app.use('/auth', picketRouter())",
    routeOptions: 'is a Fastify option: add your own middleware before the router instead',
    allowedDomains: 'belongs in picket(options): besides login, every token must carry one of those domains',
    requirements: 'belongs in picket(options): they apply to every gated request, not only to login',
  },
}

// Fastify's Ajv settings, so a body Fastify accepts is accepted here and refused alike.
const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false })
const validators = {
  nonce: ajv.compile(HELPER_BODY_SCHEMAS.nonce),
  login: ajv.compile(HELPER_BODY_SCHEMAS.login),
  authz: ajv.compile(HELPER_BODY_SCHEMAS.authz),
}

type Handler = (request: Request, response: Response, next: NextFunction) => void

/** Runs a route's last, answering step and hands a rejection to `next` (Express 4 does not catch them). */
function answer(run: (request: Request, response: Response) => Promise<unknown>): Handler {
  return (request, response, next) => {
    run(request, response).catch(next)
  }
}

/** The body, parsed (unless the app parsed it already) and limited, with our 400/413 wording. */
const parseJson: Handler = (() => {
  const json = express.json({ limit: HELPER_BODY_LIMIT })
  return (request, response, next) => {
    if (Number(request.headers['content-length']) > HELPER_BODY_LIMIT) {
      return next(
        refusals.payloadTooLarge(`the request body is larger than the limit of ${HELPER_BODY_LIMIT} bytes`),
      )
    }
    json(request, response, (error?: unknown) => {
      if (error === undefined) {
        next()
        return
      }
      const type = (error as { type?: unknown }).type
      if (type === 'entity.too.large') {
        return next(
          refusals.payloadTooLarge(`the request body is larger than the limit of ${HELPER_BODY_LIMIT} bytes`),
        )
      }
      if (type === 'entity.parse.failed') {
        next(refusals.badRequest('the body is not valid JSON'))
        return
      }
      next(refusals.badRequest((error as Error).message))
    })
  }
})()

function validateBody(validate: ValidateFunction): Handler {
  return (request, _response, next) => {
    if (validate(request.body)) {
      next()
      return
    }
    next(refusals.badRequest(ajv.errorsText(validate.errors, { dataVar: 'body' })))
  }
}

/**
 * The helper routes (`/nonce`, `/login`, `/authz`, `/me`, `/logout`) as an Express router, with
 * the Fastify plugin's bodies, checks, status codes and cookie option. Mount it where you like,
 * after `picket()`: `app.use('/auth', picketRouter())`. Options are checked here; whether they
 * fit the `picket()` options (login needs `allowedDomains`, `setCookie` needs `cookie`) is
 * checked at the first request, which is refused with the fix if not.
 */
export function picketRouter(options: PicketRouterOptions = {}): Router {
  const record = expectRecord(
    options as unknown,
    'picketRouter()',
    fail,
    '{ maxMessageAge?, setCookie?, rateLimit? }',
  )
  refuseUnknownKeys(record, ROUTER, 'picketRouter()', fail)
  // Every rule that does not depend on picket()'s options, now (a registration that has a cookie
  // and allowedDomains stands in); the rest when the router meets its picket() instance.
  resolveHelperRoutes(
    record,
    'picketRouter()',
    { cookie: { name: 'session' }, allowedDomains: ['localhost'] },
    fail,
  )
  const rateLimits = resolveRateLimit(record.rateLimit, 'picketRouter().rateLimit', fail)
  if (rateLimits && rateLimits.redis !== undefined) {
    throw fail(
      'picketRouter().rateLimit.redis',
      'is not supported by express-picket yet: its limits count in memory, per instance (put a shared limiter such as express-rate-limit with rate-limit-redis in front of the router instead)',
    )
  }
  const bound = new WeakMap<PicketInstance, { actions: HelperActions; setCookie: boolean }>()

  function boundTo(request: Request): { actions: HelperActions; setCookie: boolean } {
    const instance = instanceOf(request)
    if (instance === undefined) {
      throw fail(
        'picketRouter()',
        'no picket() middleware ran before this router: mount app.use(picket(options)) first',
      )
    }
    let helpers = bound.get(instance)
    if (helpers === undefined) {
      const routes = resolveHelperRoutes(record, 'picketRouter()', instance.options, fail, 'picketRouter()')
      helpers = { actions: createHelperActions(instance.engine, routes), setCookie: routes.setCookie }
      bound.set(instance, helpers)
    }
    return helpers
  }
  const actionsOf = (request: Request) => boundTo(request).actions

  const limit = (
    route: string,
    window: RateLimitWindow | false,
    key: (request: Request) => string,
  ): Handler[] => {
    if (!window) return []
    return [
      rateLimit({
        windowMs: window.timeWindow,
        limit: window.max,
        standardHeaders: false,
        legacyHeaders: false,
        keyGenerator: (request) => `${route}:${key(request)}`,
        handler: (request, response, next) => {
          const info = (request as Request & { rateLimit?: { resetTime?: Date } }).rateLimit
          const ttl = info?.resetTime
            ? (info.resetTime.getTime() - Date.now()) / 1000
            : window.timeWindow / 1000
          const refusal = rateLimitRefusal({
            isAllowed: false,
            isExceeded: true,
            max: window.max,
            timeWindow: window.timeWindow,
            ttlInSeconds: ttl,
          })!
          response.setHeader('retry-after', String(refusal.retryAfter))
          next(refusals.tooManyRequests(refusal.message))
        },
      }) as unknown as Handler,
    ]
  }
  const perIp = (route: string) =>
    rateLimits ? limit(route, rateLimits.perIp, (request) => `ip:${ipKeyGenerator(request.ip ?? '')}`) : []
  const perWallet = (route: string) =>
    rateLimits
      ? limit(
          route,
          rateLimits.perWallet,
          (request) => `wallet:${walletKey((request.body as { walletAddress?: unknown })?.walletAddress)}`,
        )
      : []

  // Resolves the helper actions first, so a setup mistake is the answer before any other check.
  const bind: Handler = (request, _response, next) => {
    try {
      boundTo(request)
      next()
    } catch (error) {
      next(error)
    }
  }

  const setSessionCookie = (request: Request, response: Response, token: string) => {
    const { cookie } = instanceOf(request)!.options
    if (!boundTo(request).setCookie || !cookie) return
    response.cookie(cookie.name, token, sessionCookieAttributes(cookie))
  }

  const router = express.Router()
  router.post(
    '/nonce',
    bind,
    ...perIp('nonce'),
    parseJson,
    validateBody(validators.nonce),
    ...perWallet('nonce'),
    answer(async (request, response) => {
      response.json(await actionsOf(request).nonce(request.body))
    }),
  )
  router.post(
    '/login',
    bind,
    ...perIp('login'),
    parseJson,
    validateBody(validators.login),
    ...perWallet('login'),
    answer(async (request, response) => {
      const answer = await actionsOf(request).login(request.body)
      setSessionCookie(request, response, answer.accessToken)
      response.json(answer)
    }),
  )
  router.post(
    '/authz',
    bind,
    ...perIp('authz'),
    parseJson,
    validateBody(validators.authz),
    requireWallet(),
    answer(async (request, response) => {
      const answer = await actionsOf(request).authz(request.picketToken!, request.body)
      setSessionCookie(request, response, answer.accessToken)
      response.json(answer)
    }),
  )
  router.get('/me', bind, requireWallet(), (request, response) => {
    response.json(request.picketUser)
  })
  router.post(
    '/logout',
    bind,
    ...perIp('logout'),
    answer(async (request, response) => {
      const actions = actionsOf(request)
      actions.checkLogoutOrigin(request.headers.origin)
      const { options } = instanceOf(request)!
      if (options.cookie) response.clearCookie(options.cookie.name, { path: options.cookie.path ?? '/' })
      response.json(
        await actions.logout(() => readRequestToken(request, expressRequestAccess, options, refusals)),
      )
    }),
  )
  return router
}
