import type { FastifyInstance } from 'fastify'
import type { AccessTokenPayload, AuthResponse, TokenIdBalances } from 'picket-core'
import {
  claimsSatisfy,
  evaluateGate,
  explainRefusal,
  mergeGateFacts,
  mergeTokenBalances,
  mergeTokenIdBalances,
  tokenLookup,
} from 'picket-core'
import { decideRequirements } from '../authorization.js'
import type { ProjectConfig } from '../config.js'
import { permissionDenied } from '../errors.js'
import { decideGate } from '../gates/decide-gate.js'
import { parseRequestGate } from '../gates/request-gate.js'
import { BODY_ERRORS, errorResponse, errorResponses, json, ref } from '../openapi/schemas.js'
import { clientGoneSignal, projectOf } from '../request-context.js'
import { normalizeAuthzRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { mintAuthResponse } from '../tokens/mint.js'
import { userOf, verifyProjectToken } from './access-token.js'

const AUTHZ_SCHEMA = {
  summary: 'Authorize a session for more requirements',
  description:
    "Incremental token gating on the chain of the token's login (§2.3). Without `revalidate`, balances already " +
    'in the token that satisfy the requirements answer with the same token; otherwise the chain is read and a ' +
    'new token is minted with the balances merged, keeping the old `exp`. Instead of `requirements`, a `gate` ' +
    "(this package's gate language) is decided the same way; the new token records the chains' answers in " +
    '`gateFacts`, and a refusal (403) says which part of the gate failed.',
  tags: ['Sessions'],
  body: {
    type: 'object',
    required: ['accessToken'],
    properties: {
      accessToken: { type: 'string', description: 'A token of this project; `access_token` is read as well' },
      requirements: ref('Requirements'),
      gate: ref('Gate'),
      revalidate: {
        type: 'boolean',
        default: false,
        description: 'Force a fresh chain read ("true"/"false" too)',
      },
    },
  },
  response: {
    200: json('The (new) access token and the user', ref('AuthResponse')),
    ...errorResponses(...BODY_ERRORS, 424, 429, 503),
    401: errorResponse(
      401,
      'Bad API key (`authentication_required`, `api_key_invalid`), or the access token is invalid, expired, ' +
        'revoked or of another project (`access_token_invalid`)',
    ),
    403: errorResponse(403, 'The wallet does not meet the requirements (`permission_denied`)'),
  },
} as const

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
  const options = { bodyLimit: runtime.bodyLimit, schema: AUTHZ_SCHEMA }
  app.post('/authz', options, async (request, reply): Promise<AuthResponse> => {
    const project = projectOf(request)
    const body = normalizeAuthzRequest(request.body)
    const { claims, chain } = await verifyProjectToken(runtime, project, body.accessToken)
    if (body.gate !== undefined) return authorizeGate(runtime, project, claims, body, clientGoneSignal(reply))
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
      // "Force a fresh chain read": never an answer from the balance cache.
      body.revalidate === true,
    )
    if (!decision.allowed) throw permissionDenied(decision.reason ?? 'Requirements not met')
    const tokenIdBalances = boundedIds(
      mergeTokenIdBalances(claims.tokenIdBalances, decision.tokenIdBalances),
      decision.tokenIdBalances,
    )
    return mintAuthResponse(
      runtime,
      project,
      { ...userOf(claims), tokenBalances: mergeTokenBalances(claims.tokenBalances, decision.tokenBalances) },
      // The new token proves what the old one did, for the same site, in the same session
      // (revoking the session, e.g. at logout, revokes this token too).
      {
        ...(tokenIdBalances ? { tokenIdBalances } : {}),
        ...(claims.domain ? { domain: claims.domain } : {}),
        ...blockOfMerge(claims, decision),
        // The gate answers the old token recorded stay (they were read for this wallet).
        ...(claims.gateFacts ? { gateFacts: claims.gateFacts } : {}),
        sid: claims.sid ?? claims.tid,
      },
      claims.exp,
    )
  })
}

/**
 * `/authz` with a gate: the same token when its recorded answers and balances prove the gate
 * (without `revalidate`); otherwise the gate is decided on a fresh read of its chains and, when
 * met, a new token records the answers (merged with the old token's, keeping its `exp`); when
 * not met, 403 saying which part failed.
 */
async function authorizeGate(
  runtime: AuthorityRuntime,
  project: ProjectConfig,
  claims: AccessTokenPayload,
  body: { accessToken: string; gate?: unknown; revalidate: boolean },
  signal: AbortSignal,
): Promise<AuthResponse> {
  const gate = parseRequestGate(runtime, body.gate)
  if (!body.revalidate && evaluateGate(gate, tokenLookup(claims)).met === true) {
    return { accessToken: body.accessToken, user: userOf(claims) }
  }
  const decision = await decideGate(runtime, claims, gate, signal)
  if (!decision.met) throw permissionDenied(explainRefusal(decision.tree))
  return mintAuthResponse(
    runtime,
    project,
    userOf(claims),
    {
      ...(claims.tokenIdBalances ? { tokenIdBalances: claims.tokenIdBalances } : {}),
      ...(claims.domain ? { domain: claims.domain } : {}),
      ...(claims.blockNumber === undefined ? {} : { blockNumber: claims.blockNumber }),
      gateFacts: mergeGateFacts(claims.gateFacts, decision.facts),
      sid: claims.sid ?? claims.tid,
    },
    claims.exp,
  )
}

/**
 * The block the merged balances are at least as fresh as: the older of the token's and the new
 * read's. Unknown (omitted) when the old token carries balances but no block (minted before the
 * claim existed), since nothing says how old they are.
 */
function blockOfMerge(
  claims: { blockNumber?: number; tokenBalances: object },
  decision: { blockNumber?: number },
): { blockNumber?: number } {
  const read = decision.blockNumber
  const held = claims.blockNumber
  if (read === undefined) return held === undefined ? {} : { blockNumber: held }
  if (held !== undefined) return { blockNumber: Math.min(held, read) }
  const carriesBalances = Object.values(claims.tokenBalances).some(
    (balances) => balances && Object.keys(balances).length > 0,
  )
  return carriesBalances ? {} : { blockNumber: read }
}

/** The most per-id balances one token carries; repeated /authz calls must not grow it forever. */
const MAX_TOKEN_IDS_PER_TOKEN = 1000

/** The merged per-id balances, or only the newest read's when the merge would carry too many. */
function boundedIds(
  merged: TokenIdBalances | undefined,
  newest: TokenIdBalances | undefined,
): TokenIdBalances | undefined {
  if (!merged) return merged
  const count = Object.values(merged).reduce((sum, ids) => sum + Object.keys(ids).length, 0)
  // Fewer proofs in the token only means more chain reads later, never a wider gate.
  return count <= MAX_TOKEN_IDS_PER_TOKEN ? merged : newest
}
