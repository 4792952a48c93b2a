/**
 * Type tests: compiled by `npm run typecheck` (tsc --noEmit over test/) in CI. A wrong
 * declaration fails the build; the `@ts-expect-error` lines fail it if the types get looser.
 */
import Fastify from 'fastify'
import picket, {
  fastifyPicket,
  type GateHook,
  type PicketDecorator,
  type PicketRouteConfig,
} from 'fastify-picket'
import type { PicketClient } from 'picket-core/client'
import t from 'tap'
import type { AccessTokenPayload } from '../../packages/core/src/core/types.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(_proof?: T): void {}

async function declarations() {
  const app = Fastify()
  await app.register(picket, { apiKey: 'sk', verify: { jwks: 'http://127.0.0.1/jwks', audience: 'p' } })
  await app.register(fastifyPicket, { client: app.picket })

  assertType<Equal<typeof app.picket, PicketDecorator>>()
  const client: PicketClient = app.picket
  const gate: GateHook = app.picket.gate({ requirements: { contractAddress: '0x1', minTokenBalance: 2 } })
  void client
  void gate

  app.get('/a', { config: { picket: true } }, async (request) => {
    assertType<Equal<typeof request.picketUser, AccessTokenPayload | null>>()
    assertType<Equal<typeof request.picketToken, string | null>>()
    assertType<Equal<typeof request.picket, PicketDecorator>>()
    const balances = request.picketUser?.tokenBalances.contractAddress?.['0x1']
    assertType<Equal<typeof balances, string | undefined>>()
    return {}
  })
  app.get(
    '/b',
    { config: { picket: { requirements: { collection: ['a'], tokenIds: ['1'] }, optional: true } } },
    async () => ({}),
  )
  app.get('/c', { config: { picket: false } }, async () => ({}))
  app.get('/d', { config: { picket: { revalidate: true, incremental: false } } }, async () => ({}))

  // Fastify infers a route's ContextConfig from the literal, so a wrong top-level value is only
  // caught where the type is named; nested values are checked in place (below).
  // @ts-expect-error route config is typed
  const wrong: PicketRouteConfig = 'yes'
  // @ts-expect-error unknown gate options are rejected
  const unknownOption: PicketRouteConfig = { required: true }
  void wrong
  void unknownOption
  // @ts-expect-error minTokenBalance is a number or a string
  app.get('/g', { config: { picket: { requirements: { minTokenBalance: true } } } }, async () => ({}))
  // @ts-expect-error hook names are a closed set
  await app.register(picket, { apiKey: 'sk', hook: 'onSend' })
  // @ts-expect-error verify needs an audience
  await app.register(picket, { apiKey: 'sk', verify: { jwks: 'http://127.0.0.1/jwks' } })

  const config: PicketRouteConfig = { requirements: { allowedWallets: ['0x1'] } }
  void config
}

t.test('type declarations compile (checked by tsc in CI)', async (t) => {
  t.type(declarations, 'function')
})
