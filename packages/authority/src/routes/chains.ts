import type { FastifyInstance } from 'fastify'
import type { ChainInfoWire } from '../chains/registry.js'
import { resourceNotFound } from '../errors.js'
import { errorResponse, errorResponses, json, ref } from '../openapi/schemas.js'
import type { AuthorityRuntime } from '../runtime.js'

const CHAINS_SCHEMA = {
  summary: 'List the supported chains',
  description: 'Every chain this authority serves, wrapped in `data` (§2.5).',
  tags: ['Chains'],
  response: {
    200: json('The chains', {
      type: 'object',
      required: ['data'],
      additionalProperties: false,
      properties: { data: { type: 'array', items: ref('ChainInfo') } },
    }),
    ...errorResponses(401),
  },
} as const

const CHAIN_SCHEMA = {
  summary: 'Get one chain',
  description: 'A bare chain, not wrapped (§2.6).',
  tags: ['Chains'],
  params: {
    type: 'object',
    required: ['chain'],
    properties: {
      chain: { type: 'string', description: 'Chain slug (or alias such as `homestead`, `matic`)' },
    },
  },
  response: {
    200: json('The chain', ref('ChainInfo')),
    ...errorResponses(401),
    404: errorResponse(404, 'Unknown chain (`resource_not_found`, `msg` "Unsupported chain: …")'),
  },
} as const

/** `GET /chains` (wrapped in `data`) and `GET /chains/:chain` (bare), reference §2.5, §2.6, §9 #15. */
export function registerChainRoutes(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.get(
    '/chains',
    { schema: CHAINS_SCHEMA },
    async (): Promise<{ data: ChainInfoWire[] }> => ({
      data: runtime.chains.list().map((chain) => runtime.chains.toChainInfo(chain)),
    }),
  )
  const one = { schema: CHAIN_SCHEMA }
  app.get<{ Params: { chain: string } }>('/chains/:chain', one, async (request): Promise<ChainInfoWire> => {
    const chain = runtime.chains.get(request.params.chain)
    // picket-js shows "Unsupported chain: {chain}" on any failure here (§2.6).
    if (!chain) throw resourceNotFound(`Unsupported chain: ${request.params.chain}`)
    return runtime.chains.toChainInfo(chain)
  })
}
