import type { FastifyInstance } from 'fastify'
import type { AccessTokenPayload } from 'picket-core'
import { claimsSatisfy } from 'picket-core'
import { permissionDenied } from '../errors.js'
import { projectOf } from '../request-context.js'
import { normalizeValidateRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { verifyProjectToken } from './access-token.js'

/**
 * `POST /auth/validate` (reference §2.4): the decoded claims of a valid token of this project.
 * Requirements are checked against the balances in the token only, never the chain: validate
 * is the cheap call; `authz` is the one that reads the chain.
 */
export function registerValidateRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/auth/validate',
    { bodyLimit: runtime.bodyLimit },
    async (request): Promise<AccessTokenPayload> => {
      const project = projectOf(request)
      const body = normalizeValidateRequest(request.body)
      const { claims } = await verifyProjectToken(runtime, project, body.accessToken)
      if (!claimsSatisfy(claims, body.requirements)) {
        throw permissionDenied(
          body.requirements.allowedWallets && Object.keys(body.requirements).length === 1
            ? 'This wallet is not on the list of allowed wallet addresses'
            : 'The balances in this access token do not satisfy the requirements; call authz to re-check them',
        )
      }
      return claims
    },
  )
}
