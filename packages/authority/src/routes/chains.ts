import type { FastifyInstance } from 'fastify'
import type { ChainInfoWire } from '../chains/registry.js'
import { resourceNotFound } from '../errors.js'
import type { AuthorityRuntime } from '../runtime.js'

/** `GET /chains` (wrapped in `data`) and `GET /chains/:chain` (bare), reference §2.5, §2.6, §9 #15. */
export function registerChainRoutes(app: FastifyInstance, runtime: AuthorityRuntime): void {
  app.get(
    '/chains',
    async (): Promise<{ data: ChainInfoWire[] }> => ({
      data: runtime.chains.list().map((chain) => runtime.chains.toChainInfo(chain)),
    }),
  )
  app.get<{ Params: { chain: string } }>('/chains/:chain', async (request): Promise<ChainInfoWire> => {
    const chain = runtime.chains.get(request.params.chain)
    // picket-js shows "Unsupported chain: {chain}" on any failure here (§2.6).
    if (!chain) throw resourceNotFound(`Unsupported chain: ${request.params.chain}`)
    return runtime.chains.toChainInfo(chain)
  })
}
