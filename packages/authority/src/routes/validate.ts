import type { FastifyInstance } from 'fastify'
import type { AccessTokenPayload } from 'picket-core'
import { claimsSatisfy, evaluateGate, explainRefusal, tokenLookup } from 'picket-core'
import { permissionDenied } from '../errors.js'
import { parseRequestGate } from '../gates/request-gate.js'
import { BODY_ERRORS, errorResponse, errorResponses, json, ref } from '../openapi/schemas.js'
import { projectOf } from '../request-context.js'
import { normalizeValidateRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { verifyProjectToken } from './access-token.js'

const VALIDATE_SCHEMA = {
  summary: 'Validate an access token',
  description:
    'The decoded claims of a valid token of this project (§2.4). `requirements` (or a `gate`) are checked ' +
    'against the balances and gate answers in the token only, never the chain (`authz` reads the chain).',
  tags: ['Sessions'],
  body: {
    type: 'object',
    required: ['accessToken'],
    properties: {
      accessToken: { type: 'string', description: '`access_token` is read as well' },
      requirements: ref('Requirements'),
      gate: ref('Gate'),
    },
  },
  response: {
    200: json('The claims of the token', ref('AccessTokenClaims')),
    ...errorResponses(...BODY_ERRORS),
    401: errorResponse(
      401,
      'Bad API key (`authentication_required`, `api_key_invalid`), or the access token is invalid, expired, ' +
        'revoked or of another project (`access_token_invalid`)',
    ),
    403: errorResponse(
      403,
      'The balances in the token do not satisfy the requirements (`permission_denied`)',
    ),
  },
} as const

/**
 * `POST /auth/validate` (reference §2.4): the decoded claims of a valid token of this project.
 * Requirements are checked against the balances in the token only, never the chain: validate
 * is the cheap call; `authz` is the one that reads the chain.
 */
export function registerValidateRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/auth/validate',
    { bodyLimit: runtime.bodyLimit, schema: VALIDATE_SCHEMA },
    async (request): Promise<AccessTokenPayload> => {
      const project = projectOf(request)
      const body = normalizeValidateRequest(request.body)
      const { claims } = await verifyProjectToken(runtime, project, body.accessToken)
      if (body.gate !== undefined) {
        const gate = parseRequestGate(runtime, body.gate)
        const outcome = evaluateGate(gate, tokenLookup(claims))
        if (outcome.met === true) return claims
        throw permissionDenied(
          outcome.met === false
            ? explainRefusal(outcome.tree)
            : 'This access token does not prove the gate; call authz to read the chains',
        )
      }
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
