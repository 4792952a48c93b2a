import type { FastifyInstance } from 'fastify'
import { createSigningMessage } from 'picket-core'
import { parameterInvalid } from '../errors.js'
import { nonceKey } from '../nonces/store.js'
import { SIGNING_MESSAGE_SCHEMA } from '../openapi/oauth-schemas.js'
import { assertWalletAddress, chainFromBody, issuerOf } from '../request-context.js'
import { normalizeNonceRequest } from '../request-normalization.js'
import { PUBLIC_ROUTE } from '../routes/well-known.js'
import type { AuthorityRuntime } from '../runtime.js'
import { OAuthError } from './errors.js'

export interface SigningMessageAnswer {
  message: string
  nonce: string
  context: { domain: string; uri: string; issuedAt: string; chainId: number }
}

/**
 * `POST /oauth2/signing-message`: the message the hosted login page's wallet signs. The
 * authority builds it (core's builder, byte-identical to picket-js), for its own domain and
 * origin: on that page the wallet signs in to the authority, which vouches for it to the
 * project's relying parties. Same nonce store and limits as `/auth/nonce`.
 */
export function registerSigningMessageRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post(
    '/oauth2/signing-message',
    { config: PUBLIC_ROUTE, bodyLimit: runtime.bodyLimit, schema: SIGNING_MESSAGE_SCHEMA },
    async (request): Promise<SigningMessageAnswer> => {
      const body = (request.body ?? {}) as Record<string, unknown>
      const clientId = typeof body.client_id === 'string' ? body.client_id : undefined
      const match = clientId === undefined ? undefined : runtime.projects.findByApiKey(clientId)
      if (match?.keyType !== 'publishable') {
        throw new OAuthError('invalid_client', 'client_id must be the publishable key of a project', {
          status: 401,
        })
      }
      const { project } = match
      const login = normalizeNonceRequest(body)
      const chain = chainFromBody(runtime, login.chain)
      if (chain.chainType === 'flow')
        throw parameterInvalid('Flow wallet login is not supported by this authority')
      assertWalletAddress(chain, login.walletAddress)
      const nonce = await runtime.nonces.issue(nonceKey(project.id, chain.chainType, login.walletAddress))
      const issuer = new URL(issuerOf(runtime))
      const context = {
        domain: issuer.host,
        uri: issuer.origin,
        issuedAt: new Date(runtime.now()).toISOString(),
        chainId: chain.chainId,
      }
      const message = createSigningMessage({
        format: project.format,
        statement: project.statement,
        walletAddress: login.walletAddress,
        nonce,
        ...context,
        chainType: chain.chainType,
      })
      return { message, nonce, context }
    },
  )
}
