import type { FastifyInstance } from 'fastify'
import type { TokenBalances, TokenOwnershipResponse } from 'picket-core'
import { addDecimals, claimsSatisfy, hasTokenRequirements } from 'picket-core'
import { assertTokenGatingSupported } from '../authorization.js'
import type { BalanceReading } from '../chains/balance-reading.js'
import { parameterInvalid, permissionDenied, resourceNotFound } from '../errors.js'
import { BODY_ERRORS, errorResponse, errorResponses, json, ref } from '../openapi/schemas.js'
import { assertWalletAddress, clientGoneSignal, keyTypeOf } from '../request-context.js'
import { normalizeTokenOwnershipRequest } from '../request-normalization.js'
import type { AuthorityRuntime } from '../runtime.js'
import { canonicalWalletAddress } from '../wallet-address.js'

/** Sum of every balance read: the legacy single `tokenBalance` (docs, picket-node; §2.7). */
function totalBalance(tokenBalances: TokenBalances): string {
  let total = '0'
  for (const category of Object.values(tokenBalances)) {
    for (const balance of Object.values(category ?? {}) as string[]) total = addDecimals(total, balance)
  }
  return total
}

const TOKEN_OWNERSHIP_SCHEMA = {
  summary: "Check a wallet's token balances without a session",
  description:
    "Reads the chain for the requirements (§2.7). Needs the project's secret key. The body is the requirements, " +
    'flat or as `{ requirements: {…} }`; not holding them is 200 with `allowed: false`.',
  tags: ['Chains'],
  params: {
    type: 'object',
    required: ['chain', 'walletAddress'],
    properties: { chain: { type: 'string' }, walletAddress: { type: 'string' } },
  },
  body: {
    anyOf: [
      ref('Requirements'),
      { type: 'object', required: ['requirements'], properties: { requirements: ref('Requirements') } },
    ],
  },
  response: {
    200: json('The balances read and whether they meet the requirements', ref('TokenOwnershipResponse')),
    ...errorResponses(...BODY_ERRORS, 401, 424, 429, 503),
    403: errorResponse(
      403,
      'Called with the publishable key: this endpoint needs the secret key (`permission_denied`)',
    ),
    404: errorResponse(404, 'Unknown chain (`resource_not_found`)'),
  },
} as const

/**
 * `POST /chains/:chain/wallets/:walletAddress/tokenOwnership` (reference §2.7): balances of a
 * wallet without a session. The body is flat or `{ requirements: {…} }` (§9 #9); the answer is
 * the superset every SDK reads (§9 #10), and "does not hold" is `allowed: false` with 200.
 */
export function registerTokenOwnershipRoute(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.post<{ Params: { chain: string; walletAddress: string } }>(
    '/chains/:chain/wallets/:walletAddress/tokenOwnership',
    { bodyLimit: runtime.bodyLimit, schema: TOKEN_OWNERSHIP_SCHEMA },
    async (request, reply): Promise<TokenOwnershipResponse> => {
      // A chain read for any wallet, for whoever asks: only servers (the secret key) may. No
      // browser SDK calls it (§1.4), and the publishable key is public.
      if (keyTypeOf(request) !== 'secret') {
        throw permissionDenied(
          "tokenOwnership needs the project's secret key (the publishable key is public)",
        )
      }
      const chain = runtime.chains.get(request.params.chain)
      if (!chain) throw resourceNotFound(`Unsupported chain: ${request.params.chain}`)
      assertWalletAddress(chain, request.params.walletAddress)
      // Read, decided and answered in the one spelling tokens carry (EIP-55 on EVM), whatever
      // casing the path had: SDKs compare the answer with the token's walletAddress.
      const walletAddress = canonicalWalletAddress(chain, request.params.walletAddress)
      const requirements = normalizeTokenOwnershipRequest(request.body)
      if (!hasTokenRequirements(requirements) && !requirements.allowedWallets) {
        throw parameterInvalid(
          'tokenOwnership needs a requirement: contractAddress, tokenIds, collection, creatorAddress or allowedWallets',
        )
      }
      let reading: BalanceReading = { tokenBalances: {} }
      if (hasTokenRequirements(requirements)) {
        assertTokenGatingSupported(chain, requirements)
        reading = await runtime.balances.readBalances(chain, walletAddress, requirements, {
          signal: clientGoneSignal(reply),
        })
      }
      // The rule every token decision uses, on what was just read: the same question gets the
      // same answer here, from /authz and from a gate.
      const allowed = claimsSatisfy({ chain: chain.slug, walletAddress, ...reading }, requirements)
      const { tokenBalances } = reading
      return { allowed, walletAddress, tokenBalance: totalBalance(tokenBalances), tokenBalances }
    },
  )
}
