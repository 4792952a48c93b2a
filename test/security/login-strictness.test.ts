/**
 * Login strictness (issue 10, items 5 and 6), against a real authority, a real in-process EVM
 * and real wallet signatures:
 *
 *   item 5: every SIWE field is checked by EIP-4361's grammar (viem's parser at the authority,
 *           core's context rule at the plugin's /auth/login): a URI on another site, a URI or
 *           time that smuggles a line into the signed text, a time that is not RFC 3339;
 *   item 6: an ERC-1271 answer is compared as the whole 32-byte word, so a contract that echoes
 *           its calldata (starting with the magic selector) does not log in with junk.
 */
import Fastify from 'fastify'
import picket from 'fastify-picket'
import { generateSigningJwk, startAuthority } from 'picket-authority'
import { createSigningMessage } from 'picket-core'
import { PicketClient } from 'picket-core/client'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { localVerify } from '../support/local-verify.js'

const DOMAIN = 'localhost:3000'
const PROJECT = {
  id: '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  publishableKey: 'pk_strict',
  secretKey: 'sk_strict',
  statement: 'Sign in to Strict',
  allowedDomains: [DOMAIN],
}
const chain = await startDevChain()
const authority = await startAuthority({
  port: 0,
  signingKey: (await generateSigningJwk()) as never,
  issuer: 'http://strict.test/api/v1',
  projects: [PROJECT],
  chains: { localhost: { rpcUrl: chain.rpcUrl, chainId: chain.chainId } },
  rateLimit: false,
  warn: () => {},
})
t.teardown(async () => {
  await authority.close()
  await chain.close()
})
const client = new PicketClient(PROJECT.publishableKey, { baseURL: authority.url })
const wallet = privateKeyToAccount(chain.accounts[1]!.privateKey)

/** A login whose context is `overrides` over a good one, signed over the text it produces. */
async function signedLogin(overrides: Record<string, unknown>) {
  const { nonce, statement } = await client.nonce({ chain: 'localhost', walletAddress: wallet.address })
  const context = {
    domain: DOMAIN,
    uri: `http://${DOMAIN}`,
    issuedAt: new Date().toISOString(),
    chainId: chain.chainId,
    chainType: 'ethereum',
    ...overrides,
  }
  // The message exactly as a (hostile) front end would build it from these fields.
  const message = createSigningMessage({
    format: 'siwe',
    statement,
    nonce,
    walletAddress: wallet.address,
    ...(context as unknown as Record<string, string>),
  })
  const signature = await wallet.signMessage({ message })
  return { chain: 'localhost', walletAddress: wallet.address, signature, context, message }
}

const attacks: [string, Record<string, unknown>, number, RegExp][] = [
  ['a uri on another site', { uri: 'https://evil.example/steal' }, 401, /context\.uri is on 'evil\.example'/],
  [
    'a uri that injects an Expiration Time line',
    { uri: `http://${DOMAIN}\nExpiration Time: 2000-01-01T00:00:00Z` },
    400,
    /context\.uri must not contain spaces, line breaks or control characters/,
  ],
  [
    'an issuedAt that injects a line',
    { issuedAt: `${new Date().toISOString()}\nNot Before: 2000-01-01T00:00:00Z` },
    400,
    /context\.issuedAt must not contain/,
  ],
  [
    'an issuedAt that is not RFC 3339',
    { issuedAt: new Date().toUTCString().replaceAll(' ', '') },
    400,
    /issuedAt/,
  ],
  [
    'an issuedAt without a time zone',
    { issuedAt: new Date().toISOString().slice(0, 19) },
    400,
    /EIP-4361|RFC 3339/,
  ],
  ['a uri that is not a URI', { uri: 'localhost:3000' }, 400, /context\.uri/],
  [
    'a domain that is not an authority',
    { domain: 'localhost:3000/path', uri: 'http://localhost:3000' },
    400,
    /context\.domain/,
  ],
]

t.test('item 5: the authority checks each field by the EIP-4361 grammar', async (t) => {
  for (const [what, overrides, status, message] of attacks) {
    const { message: _text, ...body } = await signedLogin(overrides)
    const res = await client.auth(body as never).then(
      () => ({ status: 200, msg: 'logged in' }),
      (error: { status: number; msg: string }) => error,
    )
    t.equal(res.status, status, what)
    t.match(res.msg, message, what)
  }
  // The same login with a good context still works, byte-identical to picket-js.
  const { message: _text, ...good } = await signedLogin({})
  t.type((await client.auth(good as never)).accessToken, 'string')
})

t.test("item 5: the plugin's /auth/login refuses them before calling the API", async (t) => {
  const app = Fastify()
  await app.register(picket, {
    client: new PicketClient(PROJECT.secretKey, { baseURL: authority.url }),
    chain: 'localhost',
    verify: localVerify(authority, PROJECT.id),
    allowedDomains: [DOMAIN],
    routes: { rateLimit: false },
  })
  t.teardown(() => app.close())
  for (const [what, overrides] of attacks.slice(0, 3)) {
    const { message: _text, ...body } = await signedLogin(overrides)
    const res = await app.inject({ method: 'POST', url: '/auth/login', payload: body })
    t.equal(res.statusCode, 400, what)
  }
  const { message: _text, ...noContext } = await signedLogin({})
  const res = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { ...noContext, context: undefined },
  })
  t.equal(res.statusCode, 400, 'a login without a SIWE context cannot be tied to a site')
})

t.test('item 6: an ERC-1271 answer is the whole word, not its first 4 bytes', async (t) => {
  const echo = await chain.deployEchoWallet()
  const { nonce, statement } = await client.nonce({ chain: 'localhost', walletAddress: echo })
  const context = {
    domain: DOMAIN,
    uri: `http://${DOMAIN}`,
    issuedAt: new Date().toISOString(),
    chainId: chain.chainId,
  }
  t.type(
    createSigningMessage({ format: 'siwe', statement, nonce, walletAddress: echo, ...context }),
    'string',
  )
  const junk = `0x${'ab'.repeat(65)}`
  const res = await client.auth({ chain: 'localhost', walletAddress: echo, signature: junk, context }).then(
    () => ({ status: 200 }),
    (error: { status: number }) => error,
  )
  t.equal(res.status, 401, 'the echoing contract does not log in with a junk signature')

  // A real ERC-1271 wallet still signs in (its owner signs; the wallet answers the magic word).
  const owner = privateKeyToAccount(chain.accounts[2]!.privateKey)
  const contractWallet = await chain.deployERC1271Wallet(owner.address)
  const second = await client.nonce({ chain: 'localhost', walletAddress: contractWallet })
  const message = createSigningMessage({
    format: 'siwe',
    statement: second.statement,
    nonce: second.nonce,
    walletAddress: contractWallet,
    ...context,
  })
  const signature = await owner.signMessage({ message })
  const ok = await client.auth({ chain: 'localhost', walletAddress: contractWallet, signature, context })
  t.equal(ok.user.walletAddress, contractWallet)
})
