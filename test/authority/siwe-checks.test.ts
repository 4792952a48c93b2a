import t from 'tap'
import { startTestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

/** The SIWE checks a relying party owes its users (DESIGN "Lessons", issue 3). */
const OPEN_PROJECT = {
  id: 'open-project',
  publishableKey: 'pk_open',
  secretKey: 'sk_open',
  statement: 'Sign in anywhere',
}
const authority = await startTestAuthority()
t.teardown(() => authority.close())

async function attempt(context: Record<string, unknown>, target = authority, auth?: string) {
  const { body } = await prepareEvmLogin(target, evmWallet(), { context, ...(auth ? { auth } : {}) })
  return target.call('POST', 'auth', { body, ...(auth ? { auth } : {}) })
}

t.test('domain must be in the project allowlist (case-insensitive host)', async (t) => {
  t.equal((await attempt(siweContext({ domain: 'LOCALHOST:3000' }))).status, 200)
  const phishing = await attempt(siweContext({ domain: 'evil.example', uri: 'https://evil.example' }))
  t.equal(phishing.status, 401)
  t.match(
    phishing.body.msg,
    /invalid signature: context\.domain 'evil\.example' is not a site this server accepts logins for/i,
  )
  const uriElsewhere = await attempt(siweContext({ uri: 'https://evil.example/steal' }))
  t.equal(uriElsewhere.status, 401, 'the uri must be on an allowed domain too')
  t.match(uriElsewhere.body.msg, /context\.uri is on 'evil\.example'/)
})

t.test(
  'a SIWE project without allowedDomains is refused at startup (any site could relay logins)',
  async (t) => {
    await t.rejects(startTestAuthority({ projects: [OPEN_PROJECT] }), {
      message: /projects\[0\]\.allowedDomains is required for a SIWE project/,
    })
  },
)

t.test('chainId must be the chain’s; missing chainId is taken from the chain', async (t) => {
  const wrong = await attempt(siweContext({ chainId: 137 }))
  t.equal(wrong.status, 400)
  t.match(wrong.body.msg, /context\.chainId 137 does not match chain ethereum/)
  // A front end that signed with the chain's id but did not send it (e.g. a custom client).
  const account = evmWallet()
  const { body } = await prepareEvmLogin(authority, account, { context: siweContext() })
  const { chainId: _omitted, ...context } = body.context as Record<string, unknown>
  const res = await authority.call('POST', 'auth', { body: { ...body, context } })
  t.equal(res.status, 200, JSON.stringify(res.body))
})

t.test('issuedAt: not in the future beyond 60 s skew, not older than the nonce TTL', async (t) => {
  t.equal((await attempt(siweContext({ issuedAt: new Date(Date.now() + 30_000).toISOString() }))).status, 200)
  const future = await attempt(siweContext({ issuedAt: new Date(Date.now() + 5 * 60_000).toISOString() }))
  t.equal(future.status, 401)
  t.match(future.body.msg, /invalid signature: .*future/i)
  const stale = await attempt(siweContext({ issuedAt: new Date(Date.now() - 10 * 60_000).toISOString() }))
  t.equal(stale.status, 401)
  t.match(stale.body.msg, /invalid signature: .*too old/i)
  const garbage = await attempt(siweContext({ issuedAt: 'yesterday' }))
  t.equal(garbage.status, 400)
  t.match(garbage.body.msg, /context\.issuedAt/)
})

t.test('a SIWE project needs the context; each missing field is named', async (t) => {
  const account = evmWallet()
  const { body } = await prepareEvmLogin(authority, account)
  const none = await authority.call('POST', 'auth', { body: { ...body, context: undefined } })
  t.equal(none.status, 400)
  t.match(none.body.msg, /context is required/)
  const { uri: _uri, ...withoutUri } = body.context as Record<string, unknown>
  const noUri = await authority.call('POST', 'auth', { body: { ...body, context: withoutUri } })
  t.equal(noUri.status, 400)
  t.match(noUri.body.msg, /context\.uri/)
})

t.test('the message is rebuilt from the stored nonce: a message with another nonce fails', async (t) => {
  const account = evmWallet()
  const { body, message, nonce } = await prepareEvmLogin(authority, account)
  const signature = await account.signMessage({ message: message.replace(nonce, 'abcdefghijklmnop') })
  const res = await authority.call('POST', 'auth', { body: { ...body, signature } })
  t.equal(res.status, 401)
})
