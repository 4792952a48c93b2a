import type { ErrorRequestHandler } from 'express'
import { PicketError, refusalBody } from './errors.js'

/**
 * An error handler that answers express-picket's refusals as JSON (`{ statusCode, code, error,
 * message }`, the Fastify plugin's shape) with their headers (RFC 6750 `WWW-Authenticate`,
 * `Retry-After`), and passes every other error on. Mount it after your routes:
 * `app.use(picketErrorHandler())`. Without it Express's own handler still answers with the
 * refusal's status and headers, as HTML.
 */
export function picketErrorHandler(): ErrorRequestHandler {
  return function picketErrors(error, _request, response, next) {
    if (!(error instanceof PicketError) || response.headersSent) {
      next(error)
      return
    }
    if (error.headers) response.set(error.headers)
    response.status(error.status).json(refusalBody(error))
  }
}
