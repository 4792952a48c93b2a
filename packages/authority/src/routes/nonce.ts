import type { FastifyInstance } from 'fastify'
import type { NonceResponse } from 'picket-core'
import { parameterInvalid } from '../errors.js'
import { nonceKey } from '../nonces/store.js'
import { BODY_ERRORS, errorResponses, json, ref } from '../openapi/schemas.js'
import { assertWalletAddress, chainFromBody, projectOf } from '../request-context.js'
import { normalizeNonceRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'

const NONCE_SCHEMA = {
  summary: 'Get a nonce and the statement to sign',
  description:
    'The live nonce of this project and wallet, or a new one (valid for the nonce TTL, 120 s by default; ' +
    "repeated calls return the same nonce). `format` is the project's message format (§2.1, §4).",
  tags: ['Login'],
  body: {
    type: 'object',
    required: ['walletAddress'],
    properties: {
      chain: { type: 'string', default: 'ethereum', description: 'Chain slug or alias' },
      walletAddress: { type: 'string', description: '`wallet_address` from picket-go is read as well' },
      locale: { type: 'string', example: 'en-US' },
    },
  },
  response: {
    200: json('The nonce', ref('NonceResponse')),
    ...errorResponses(...BODY_ERRORS, 401, 429, 503),
  },
} as const

/** `POST /auth/nonce` (reference §2.1): the live nonce for the wallet, or a new one. */
export function registerNonceRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/auth/nonce',
    { bodyLimit: runtime.bodyLimit, schema: NONCE_SCHEMA },
    async (request): Promise<NonceResponse & { locale: string }> => {
      const project = projectOf(request)
      const body = normalizeNonceRequest(request.body)
      const chain = chainFromBody(runtime, body.chain)
      if (chain.chainType === 'flow') {
        throw parameterInvalid('Flow wallet login is not supported by this authority')
      }
      assertWalletAddress(chain, body.walletAddress)
      const nonce = await runtime.nonces.issue(nonceKey(project.id, chain.chainType, body.walletAddress))
      // `format` is always sent: picket-python raises KeyError without it (§2.1). The statement is
      // not localized; `locale` is echoed, which one docs revision reads (§2.1).
      return { nonce, statement: project.statement, format: project.format, locale: body.locale ?? 'en' }
    },
  )
}
