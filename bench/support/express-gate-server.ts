/**
 * Child process: the server under test for one variant of the Express gate benchmark. Every
 * variant serves the same route with the same handler; only what guards it differs. The config
 * comes in BENCH_SERVER_CONFIG (JSON); the chosen port goes back over IPC.
 */
import type { AddressInfo } from 'node:net'
import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { picket, picketErrorHandler, requireWallet } from 'express-picket'
import { type ExpressServerConfig, OAUTH2_ENV } from './express-variants.js'
import { type ChildReady, serveCpuUsage } from './protocol.js'
import { ROUTE } from './variants.js'

// The parent leaves them out of this process's environment; make sure (they would fill auth()'s gaps).
for (const name of OAUTH2_ENV) delete process.env[name]

const config = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '') as ExpressServerConfig
const app = express()
app.disable('x-powered-by')

const handler: RequestHandler = (_request, response) => {
  response.json({ hello: 'world' })
}

/** Refusals as JSON with their status (the error path is checked once, never measured). */
const errors: ErrorRequestHandler = (error, _request, response, _next) => {
  const status = typeof error?.status === 'number' ? error.status : 500
  response.status(status).json({ error: status === 500 ? 'internal' : String(error.code ?? 'refused') })
}

function picketMiddleware(cache: boolean) {
  return picket({
    apiKey: config.secretKey,
    baseURL: config.baseURL,
    verify: { jwks: config.jwksUrl, audience: config.audience, issuer: config.issuer },
    chain: 'ethereum',
    allowedDomains: [config.domain],
    ...(cache ? {} : { cache: false }),
  })
}

switch (config.variant) {
  case 'ungated':
    app.get(ROUTE, handler)
    break
  case 'picket-cached':
  case 'picket-nocache': {
    const middleware = picketMiddleware(config.variant === 'picket-cached')
    await middleware.ready
    app.use(middleware)
    app.get(ROUTE, requireWallet(), handler)
    app.use(picketErrorHandler())
    break
  }
  case 'oauth2-jwt-bearer':
    app.get(
      ROUTE,
      auth({
        issuer: config.issuer,
        audience: config.audience,
        jwksUri: config.jwksUrl,
        tokenSigningAlg: 'ES256',
      }),
      handler,
    )
    break
  default:
    throw new Error(`unknown variant ${String(config.variant)}`)
}
app.use(errors)

const server = app.listen(0, '127.0.0.1')
await new Promise<void>((resolve, reject) => {
  server.once('listening', resolve)
  server.once('error', reject)
})

serveCpuUsage(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
)
const ready: ChildReady = { type: 'ready', port: (server.address() as AddressInfo).port }
process.send!(ready)
