/**
 * The Express token-gated example, started on a free port and driven over HTTP as a client does:
 * nonce → SIWE message signed by a real wallet key → /auth/login → the gated routes, against the
 * bundled authority (its own server) and the dev chain.
 */
import type { NonceResponse } from 'picket-core'
import t from 'tap'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { start } from '../../examples/express-token-gated/app.js'
import { signLogin } from '../../examples/token-gated-api/siwe-login.js'

const example = await start({ port: 0 })
t.teardown(() => example.close())

const { demo } = example
const TOKEN_HEADER = 'picket-access-token'

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function call(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${example.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  }
}
const get = (path: string, token?: string) => call('GET', path, token)
const post = (path: string, body: unknown, token?: string) => call('POST', path, token, body)

/** What a wallet front end does: ask for a nonce, sign the SIWE message for `appUrl`, log in. */
async function signIn(privateKey: Hex, appUrl = example.url): Promise<Answer> {
  const nonce = await post('/auth/nonce', {
    chain: example.chainSlug,
    walletAddress: privateKeyToAccount(privateKey).address,
  })
  if (nonce.status !== 200)
    throw new Error(`/auth/nonce answered ${nonce.status}: ${JSON.stringify(nonce.body)}`)
  const { body } = await signLogin({
    privateKey,
    nonce: nonce.body as unknown as NonceResponse,
    appUrl,
    chain: example.chainSlug,
    chainId: example.chainId,
  })
  return post('/auth/login', body)
}

async function tokenOf(privateKey: Hex): Promise<string> {
  const login = await signIn(privateKey)
  if (login.status !== 200)
    throw new Error(`/auth/login answered ${login.status}: ${JSON.stringify(login.body)}`)
  return login.body.accessToken as string
}

const holderToken = await tokenOf(demo.holder.privateKey)
const outsiderToken = await tokenOf(demo.outsider.privateKey)
/** The holder's token once /auth/authz has added the PASS to it (set by the pass-route test). */
let holderPassToken: string | undefined

t.test('the public route needs no token', async (t) => {
  const answer = await get('/api/public')
  t.equal(answer.status, 200)
  t.same(answer.body, { route: '/api/public', wallet: null, tokenBalances: null })
})

t.test('a gated route without a token: 401 with an RFC 6750 challenge, as JSON', async (t) => {
  const answer = await get('/api/me')
  t.equal(answer.status, 401)
  t.equal(answer.headers.get('www-authenticate'), 'Bearer realm="picket"')
  t.match(answer.headers.get('content-type'), /application\/json/)
  t.equal(answer.body.code, 'PICKET_NO_TOKEN')

  const forged = await get('/api/me', `${holderToken.slice(0, -4)}AAAA`)
  t.equal(forged.status, 401)
  t.match(forged.headers.get('www-authenticate'), /^Bearer realm="picket", error="invalid_token"/)
  t.equal(forged.body.code, 'PICKET_INVALID_TOKEN')
})

t.test('a login signed for another host is refused: allowedDomains is the app’s own host:port', async (t) => {
  const elsewhere = `http://127.0.0.1:${Number(new URL(example.url).port) + 1}`
  const login = await signIn(demo.holder.privateKey, elsewhere)
  t.equal(login.status, 400)
  t.match(String(login.body.message), /is not a site this server accepts logins for/)
})

t.test('a signed-in wallet reaches /api/me and /auth/me', async (t) => {
  const me = await get('/api/me', holderToken)
  t.equal(me.status, 200)
  t.equal(me.body.wallet, demo.holder.address)

  const claims = await get('/auth/me', outsiderToken)
  t.equal(claims.status, 200)
  t.equal(claims.body.walletAddress, demo.outsider.address)
  t.equal(claims.body.chain, example.chainSlug)
  t.equal(claims.body.domain, new URL(example.url).host)
  t.equal(claims.body.iss, example.authorityUrl)
})

t.test('the pass route: a token proving the PASS gets in, the outsider is refused', async (t) => {
  // The login token carries no balances, and this route is not incremental: refused.
  const bare = await get('/api/pass-holders', holderToken)
  t.equal(bare.status, 403)
  t.match(bare.headers.get('www-authenticate'), /error="insufficient_scope"/)

  const authz = await post('/auth/authz', { requirements: { contractAddress: demo.pass } }, holderToken)
  t.equal(authz.status, 200)
  holderPassToken = authz.body.accessToken as string
  t.type(holderPassToken, 'string')
  t.not(holderPassToken, holderToken)

  const holder = await get('/api/pass-holders', holderPassToken)
  t.equal(holder.status, 200)
  t.equal(holder.body.wallet, demo.holder.address)
  t.same(holder.body.tokenBalances, { contractAddress: { [demo.pass]: '1' } })
  t.equal(holder.headers.get(TOKEN_HEADER), null, 'decided from the token: nothing minted')

  const outsider = await get('/api/pass-holders', outsiderToken)
  t.equal(outsider.status, 403)
  t.equal(outsider.body.code, 'PICKET_INSUFFICIENT_SCOPE')
  t.match(outsider.headers.get('www-authenticate'), /^Bearer realm="picket", error="insufficient_scope"/)
  const outsiderAuthz = await post(
    '/auth/authz',
    { requirements: { contractAddress: demo.pass } },
    outsiderToken,
  )
  t.equal(outsiderAuthz.status, 403, '/authz will not vouch for a wallet without the pass')
})

t.test('the incremental route upgrades the token once, in the picket-access-token header', async (t) => {
  const first = await get('/api/coin-holders', holderToken)
  t.equal(first.status, 200)
  const minted = first.headers.get(TOKEN_HEADER)
  if (minted === null) throw new Error('no new token in the picket-access-token header')
  t.not(minted, holderToken)
  // Balances are in whole tokens (COIN has 18 decimals): the holder's 100 COIN.
  t.same(first.body.tokenBalances, { contractAddress: { [demo.coin]: '100' } })

  const again = await get('/api/coin-holders', minted)
  t.equal(again.status, 200)
  t.equal(again.headers.get(TOKEN_HEADER), null, 'the new token proves the balance by itself')
  t.equal(again.body.wallet, demo.holder.address)

  const outsider = await get('/api/coin-holders', outsiderToken)
  t.equal(outsider.status, 403, '10 COIN is short of 50')
  t.equal(outsider.headers.get(TOKEN_HEADER), null)
})

t.test('the revalidate route reads the chain: it refuses once the pass is transferred away', async (t) => {
  if (holderPassToken === undefined) throw new Error('the pass-route test did not run')
  const before = await get('/api/pass-holders/live', holderPassToken)
  t.equal(before.status, 200)
  t.equal(before.body.wallet, demo.holder.address)

  await demo.chain.transferERC721(demo.pass, demo.holder.privateKey, demo.friend.address, demo.passId)
  // The example reuses a revalidation answer for 1 s per token.
  await new Promise((resolve) => setTimeout(resolve, 1100))

  const after = await get('/api/pass-holders/live', holderPassToken)
  t.equal(after.status, 403)
  t.match(after.headers.get('www-authenticate'), /error="insufficient_scope"/)
  // The plain pass route decides from the token, which still says "1 PASS" until it expires.
  t.equal((await get('/api/pass-holders', holderPassToken)).status, 200)
})

t.test('logout revokes the session: its tokens are refused, other wallets are not', async (t) => {
  const logout = await post('/auth/logout', {}, holderToken)
  t.equal(logout.status, 200)
  t.same(logout.body, { loggedOut: true, revoked: true })

  for (const token of [holderToken, holderPassToken!]) {
    const me = await get('/auth/me', token)
    t.equal(me.status, 401)
    t.match(me.headers.get('www-authenticate'), /error="invalid_token"/)
    t.match(String(me.body.message), /revoked/)
  }
  t.equal((await get('/auth/me', outsiderToken)).status, 200)
})
