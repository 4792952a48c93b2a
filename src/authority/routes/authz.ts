import type { FastifyInstance } from 'fastify'
import { claimsSatisfy, mergeTokenBalances, mergeTokenIdBalances } from '../../core/index.js'
import type { AuthResponse } from '../../core/types.js'
import { decideRequirements } from '../authorization.js'
import { permissionDenied } from '../errors.js'
import { clientGoneSignal, projectOf } from '../request-context.js'
import { normalizeAuthzRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { mintAuthResponse } from '../tokens/mint.js'
import { userOf, verifyProjectToken } from './access-token.js'

/**
 * `POST /authz` (reference §2.3, §6.4): incremental authorization of a session.
 *
 * - Without `revalidate`, when the token's own balances (or `allowedWallets`) already satisfy
 *   the requirements, the answer is the same token and its user: nothing new was learned, so
 *   nothing new is signed.
 * - Otherwise the chain is read for these requirements; on success a new token is minted with
 *   the old and new balances merged (new values win). It keeps the old `exp`: authorizing more
 *   must not extend a session, or a stolen token could be kept alive forever through `authz`.
 */
export function registerAuthzRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post('/authz', { bodyLimit: runtime.bodyLimit }, async (request, reply): Promise<AuthResponse> => {
    const project = projectOf(request)
    const body = normalizeAuthzRequest(request.body)
    const { claims, chain } = await verifyProjectToken(runtime, app, request, project, body.accessToken)
    const { requirements } = body

    if (!body.revalidate && claimsSatisfy(claims, requirements)) {
      return { accessToken: body.accessToken, user: userOf(claims) }
    }

    const decision = await decideRequirements(
      runtime.balances,
      chain,
      claims.walletAddress,
      requirements,
      clientGoneSignal(reply),
    )
    if (!decision.allowed) throw permissionDenied(decision.reason ?? 'Requirements not met')
    const tokenIdBalances = mergeTokenIdBalances(claims.tokenIdBalances, decision.tokenIdBalances)
    return mintAuthResponse(
      runtime,
      request,
      app.prefix,
      project,
      { ...userOf(claims), tokenBalances: mergeTokenBalances(claims.tokenBalances, decision.tokenBalances) },
      // The new token proves what the old one did, for the same site.
      {
        ...(tokenIdBalances ? { tokenIdBalances } : {}),
        ...(claims.domain ? { domain: claims.domain } : {}),
      },
      claims.exp,
    )
  })
}
