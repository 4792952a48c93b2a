import type { ErrorRequestHandler } from 'express'
import { PicketError, PicketOptionsError, refusalBody, wasLogged } from './errors.js'
import { instanceOf } from './instance.js'

/**
 * An error handler that answers express-picket's refusals as JSON (`{ statusCode, code, error,
 * message }`, the Fastify plugin's shape) with their headers (RFC 6750 `WWW-Authenticate`,
 * `Retry-After`), a setup mistake (`PicketOptionsError`) as a plain JSON 500, and passes every
 * other error on. Mount it after your routes:
 * `app.use(picketErrorHandler())`. Without it Express's own handler still answers with the
 * refusal's status and headers, as HTML. A 5xx refusal (503: the API, the key set or a chain
 * unavailable) is written to `picket()`'s logger, with the upstream's code and message.
 */
export function picketErrorHandler(): ErrorRequestHandler {
  return function picketErrors(error, request, response, next) {
    if (response.headersSent) {
      next(error)
      return
    }
    if (error instanceof PicketOptionsError) {
      // A setup mistake (a gate before picket(), a gate after its handler): the server's fault;
      // the log gets the message, the client a plain 500.
      if (!wasLogged(error)) (instanceOf(request)?.options.logger ?? console).error(error.message)
      response.status(500).json({
        statusCode: 500,
        code: error.code,
        error: 'Internal Server Error',
        message: 'Internal Server Error',
      })
      return
    }
    if (!(error instanceof PicketError)) {
      next(error)
      return
    }
    // A 503 is the server side's trouble (the API, the key set, a chain the authority cannot
    // read): the app's log gets it with its cause, as Fastify's error handler logs its 5xx.
    if (error.status >= 500) {
      ;(instanceOf(request)?.options.logger ?? console).error({ err: error }, error.message)
    }
    if (error.headers) response.set(error.headers)
    response.status(error.status).json(refusalBody(error))
  }
}
