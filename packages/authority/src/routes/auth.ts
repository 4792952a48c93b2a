import type { FastifyInstance } from 'fastify'
import type { AuthResponse } from 'picket-core'
import { BODY_ERRORS, errorResponse, errorResponses, json, ref } from '../openapi/schemas.js'
import { clientGoneSignal, projectOf } from '../request-context.js'
import { normalizeAuthRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { mintAuthResponse } from '../tokens/mint.js'
import { signInWallet } from '../wallet-login.js'

const AUTH_SCHEMA = {
  summary: 'Log a wallet in',
  description:
    'Verifies the signature over the message rebuilt from the live nonce, the project statement and `context` ' +
    '(SIWE) or the simple format, reads the chain for `requirements`, consumes the nonce and mints an access ' +
    'token (§2.2). An RPC failure (424) or unmet requirements (403) leave the nonce alive: retry with the same ' +
    'signature. Requirement fields at the top level of the body are read too (legacy picket-node, docs).',
  tags: ['Login'],
  body: {
    type: 'object',
    required: ['walletAddress', 'signature'],
    properties: {
      chain: { type: 'string', default: 'ethereum' },
      walletAddress: { type: 'string', description: 'Exactly as signed; `wallet_address` is read as well' },
      signature: {
        type: 'string',
        description: 'EVM: 0x-hex EIP-191 signature (EIP-1271 for contract wallets); Solana: base58 ed25519',
      },
      requirements: ref('Requirements'),
      context: ref('SigningMessageContext'),
    },
  },
  response: {
    200: json('The access token and the user', ref('AuthResponse')),
    ...errorResponses(...BODY_ERRORS, 403, 424, 429, 503),
    401: errorResponse(
      401,
      'Bad API key (`authentication_required`, `api_key_invalid`), or the signature does not verify or its nonce ' +
        'expired or was used (`signature_invalid`, `msg` contains "Invalid signature")',
    ),
    403: errorResponse(403, 'The wallet does not meet the requirements (`permission_denied`)'),
  },
} as const

/**
 * `POST /auth` (reference §2.2): wallet login, optionally gated by requirements. The login
 * rule (nonce, signature, requirements, single use) is `signInWallet`'s, shared with
 * `/oauth2/authorize`; a login that passes mints the token.
 */
export function registerAuthRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  const options = { bodyLimit: runtime.bodyLimit, schema: AUTH_SCHEMA }
  app.post('/auth', options, async (request, reply): Promise<AuthResponse> => {
    const project = projectOf(request)
    const login = await signInWallet(runtime, {
      project,
      login: normalizeAuthRequest(request.body),
      signal: clientGoneSignal(reply),
    })
    return mintAuthResponse(runtime, project, login.user, login.extensions)
  })
}
