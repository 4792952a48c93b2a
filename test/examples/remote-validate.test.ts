/**
 * The remote-validation example: a front end logs in with the API directly (as picket-js does,
 * with the publishable key) and calls the example with the token; the plugin validates it
 * through `/auth/validate`, once per token thanks to the cache.
 */

import { PicketClient } from 'picket-core/client'
import t from 'tap'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { LOCAL_PROJECT, start } from '../../examples/remote-validate/app.js'
import { siweLogin } from '../../tools/siwe-login.js'

let validateCalls = 0
const example = await start({
  port: 0,
  clientOptions: {
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/auth/validate')) validateCalls++
      return fetch(input, init)
    },
  },
})
t.teardown(() => example.close())

/** What picket-js does in the browser: nonce → SIWE message → wallet signature → /auth. */
async function browserLogin(): Promise<{ accessToken: string; walletAddress: string }> {
  const wallet = privateKeyToAccount(generatePrivateKey())
  const picketJs = new PicketClient(LOCAL_PROJECT.publishableKey, { baseURL: example.apiUrl })
  const { accessToken } = await siweLogin(picketJs, wallet)
  return { accessToken, walletAddress: wallet.address }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

t.test('a token from the API opens the gated route; validated once, then cached', async (t) => {
  const { accessToken, walletAddress } = await browserLogin()
  const before = validateCalls
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${example.url}/api/me`, { headers: bearer(accessToken) })
    t.equal(res.status, 200)
    t.same(((await res.json()) as { wallet: string }).wallet, walletAddress)
  }
  t.equal(validateCalls - before, 1, 'one /auth/validate for three requests')
})

t.test('no token: 401 on the gated route, anonymous on the optional one', async (t) => {
  const me = await fetch(`${example.url}/api/me`)
  t.equal(me.status, 401)
  t.equal(me.headers.get('www-authenticate'), 'Bearer realm="picket"')
  const greeting = await fetch(`${example.url}/api/greeting`)
  t.same(await greeting.json(), { greeting: 'Hello, anonymous visitor' })
})

t.test('a token the API refuses is a 401, not a 500', async (t) => {
  const { accessToken } = await browserLogin()
  const [header, payload] = accessToken.split('.')
  const res = await fetch(`${example.url}/api/me`, { headers: bearer(`${header}.${payload}.AAAA`) })
  t.equal(res.status, 401)
  t.equal(((await res.json()) as { code: string }).code, 'FST_PICKET_INVALID_TOKEN')
})

t.test('the API being down is a 503 with Retry-After, never a pass', async (t) => {
  const down = await start({
    port: 0,
    apiKey: LOCAL_PROJECT.secretKey,
    baseURL: 'http://127.0.0.1:9/api/v1',
    clientOptions: { retry: false, timeout: 1000 },
  })
  t.teardown(() => down.close())
  const { accessToken } = await browserLogin()
  const res = await fetch(`${down.url}/api/me`, { headers: bearer(accessToken) })
  t.equal(res.status, 503)
  t.ok(res.headers.get('retry-after'))
})
