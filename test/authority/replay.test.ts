import t from 'tap'
import { createRedisNonceStore } from '../../packages/authority/src/nonces/redis-store.js'
import { startRedisServer } from '../support/redis-server.js'
import { startTestAuthority, type TestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin } from './support/wallets.js'

/**
 * A signature is accepted exactly once (issue 3, §4.4): sequential and concurrent double
 * submission yield one token. Run against both nonce stores; for Redis, two authority
 * instances share the store, as behind a load balancer.
 */
const redis = await startRedisServer()
t.teardown(() => redis.stop())

async function submitConcurrently(authorities: TestAuthority[], body: Record<string, unknown>, n: number) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => authorities[i % authorities.length]!.call('POST', 'auth', { body })),
  )
}

t.test('memory store: 20 parallel submissions of one signature mint exactly one token', async (t) => {
  const authority = await startTestAuthority()
  t.teardown(() => authority.close())
  for (let round = 0; round < 3; round++) {
    const { body } = await prepareEvmLogin(authority, evmWallet())
    const results = await submitConcurrently([authority], body, 20)
    t.equal(results.filter((r) => r.status === 200).length, 1, `round ${round}`)
    t.ok(
      results
        .filter((r) => r.status !== 200)
        .every((r) => r.status === 401 && /invalid signature/i.test(r.body.msg)),
    )
  }
})

t.test('redis store shared by two instances: 20 parallel submissions mint exactly one token', async (t) => {
  const config = { redisUrl: redis.url, signingKey: undefined }
  const a = await startTestAuthority(config)
  const b = await startTestAuthority(config)
  t.teardown(() => Promise.all([a.close(), b.close()]))
  for (let round = 0; round < 3; round++) {
    const account = evmWallet()
    const { body, nonce } = await prepareEvmLogin(a, account)
    const fromB = await b.call('POST', 'auth/nonce', { body: { walletAddress: account.address } })
    t.equal(fromB.body.nonce, nonce, 'both instances see one nonce per wallet')
    const results = await submitConcurrently([a, b], body, 20)
    t.equal(results.filter((r) => r.status === 200).length, 1, `round ${round}`)
  }
})

t.test('sequential replay is refused on the redis store too', async (t) => {
  const nonceStore = createRedisNonceStore({ redis: redis.url, ttlSeconds: 120, keyPrefix: 'replay:' })
  const authority = await startTestAuthority({ nonceStore })
  t.teardown(async () => {
    await authority.close()
    await nonceStore.close() // a store passed in belongs to the caller
  })
  const { body } = await prepareEvmLogin(authority, evmWallet())
  t.equal((await authority.call('POST', 'auth', { body })).status, 200)
  const again = await authority.call('POST', 'auth', { body })
  t.equal(again.status, 401)
  t.match(again.body.msg, /invalid signature/i)
})

t.test('redis unavailable: nonce answers 503 JSON, not 500', async (t) => {
  const authority = await startTestAuthority({ redisUrl: 'redis://127.0.0.1:1' })
  t.teardown(() => authority.close())
  const res = await authority.call('POST', 'auth/nonce', { body: { walletAddress: evmWallet().address } })
  t.equal(res.status, 503)
  t.equal(res.body.code, 'service_unavailable')
})
