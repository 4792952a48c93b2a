import type { FastifyInstance } from 'fastify'
import type { AuthResponse } from 'picket-core'
import { decideRequirements } from '../authorization.js'
import { invalidSignature, parameterInvalid, permissionDenied } from '../errors.js'
import { nonceKey } from '../nonces/store.js'
import { assertWalletAddress, chainFromBody, clientGoneSignal, projectOf } from '../request-context.js'
import { normalizeAuthRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { verifyWalletSignature } from '../signatures/index.js'
import { rebuildSigningMessage } from '../signing-message.js'
import { mintAuthResponse } from '../tokens/mint.js'
import { canonicalWalletAddress } from '../wallet-address.js'

/**
 * `POST /auth` (reference §2.2): wallet login, optionally gated by requirements.
 *
 * Order, chosen so that a signature yields exactly one token:
 *   1. validate input (400);
 *   2. read the live nonce and verify the signature over the rebuilt message (401);
 *   3. evaluate requirements, reading the chain when needed (403 / 424);
 *   4. consume the nonce atomically — only if it still holds the value that was verified;
 *   5. mint the token.
 * Concurrent submissions of one signature all pass 2–3 but only one wins step 4, so only one
 * token is minted. Consuming after the chain read means an RPC outage (424) or an unmet
 * requirement (403) leaves the nonce alive, so the user can retry with the same signature
 * until it expires instead of signing again.
 */
export function registerAuthRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post('/auth', { bodyLimit: runtime.bodyLimit }, async (request, reply): Promise<AuthResponse> => {
    const project = projectOf(request)
    const body = normalizeAuthRequest(request.body)
    const chain = chainFromBody(runtime, body.chain)
    if (chain.chainType === 'flow')
      throw parameterInvalid('Flow wallet login is not supported by this authority')
    assertWalletAddress(chain, body.walletAddress)

    const key = nonceKey(project.id, chain.chainType, body.walletAddress)
    const nonce = await runtime.nonces.get(key)
    if (!nonce)
      throw invalidSignature('the nonce has expired or was already used; request a new one and sign again')
    const message = rebuildSigningMessage({
      project,
      chain,
      walletAddress: body.walletAddress,
      nonce,
      context: body.context,
      now: runtime.now(),
      nonceTTLSeconds: runtime.config.nonceTTL,
    })
    const verified = await verifyWalletSignature({
      chainType: chain.chainType,
      walletAddress: body.walletAddress,
      message,
      signature: body.signature,
      publicClient: chain.rpcUrl ? runtime.balances.publicClientFor(chain) : undefined,
    })
    if (!verified) throw invalidSignature()

    const walletAddress = canonicalWalletAddress(chain, body.walletAddress)
    // The ENS lookup runs alongside the balance read; it never throws (a failed lookup shows the address).
    const displayAddress = runtime.balances.resolveDisplayAddress(chain, walletAddress)
    const decision = await decideRequirements(
      runtime.balances,
      chain,
      walletAddress,
      body.requirements,
      clientGoneSignal(reply),
    )
    if (!decision.allowed) throw permissionDenied(decision.reason ?? 'Requirements not met')

    if (!(await runtime.nonces.consume(key, nonce))) throw invalidSignature('this signature was already used')
    return mintAuthResponse(
      runtime,
      project,
      {
        chain: chain.slug,
        walletAddress,
        displayAddress: await displayAddress,
        tokenBalances: decision.tokenBalances,
      },
      {
        ...(decision.tokenIdBalances ? { tokenIdBalances: decision.tokenIdBalances } : {}),
        // The site the wallet signed in to: relying parties refuse tokens signed for others.
        ...(project.format === 'siwe' && body.context?.domain
          ? { domain: body.context.domain.toLowerCase() }
          : {}),
      },
    )
  })
}
