/**
 * A token opens only the gates it was proven for (issue 10, items 1–4). Each case was a way in
 * before: a real authority, two real in-process EVM chains holding the same contract address,
 * real wallets and real SIWE signatures; the attacker calls the authority directly with the
 * publishable key, as any browser can.
 *
 *   item 1: balances are bound to the token ids they were read for (ERC-1155 and ERC-721);
 *   item 2: a gate's requirements apply to one chain;
 *   item 3: login rules apply to every gated request of the plugin;
 *   item 4: a token carries the SIWE domain it was signed for, and the plugin checks it.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import picket, { type PicketPluginOptions } from 'fastify-picket'
import { decodeJwt } from 'jose'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import { PicketClient } from 'picket-core/client'
import t from 'tap'
import type { PrivateKeyAccount } from 'viem/accounts'
import { privateKeyToAccount } from 'viem/accounts'
import type { RequirementsInput } from '../../packages/core/src/core/types.js'
import { startDevChain } from '../../tools/devchain/index.js'
import { prepareSiweLogin } from '../../tools/siwe-login.js'
import { localVerify } from '../support/local-verify.js'

const DOMAIN = 'localhost:3000'
const PARTNER = 'partner.example'
const PROJECT = {
  id: '4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  name: 'Bindings',
  publishableKey: 'pk_bindings',
  secretKey: 'sk_bindings',
  statement: 'Sign in to Bindings',
  // A project shared by two front ends: ours and a partner's (e.g. a compromised one).
  allowedDomains: [DOMAIN, PARTNER],
}
const SIMPLE = {
  id: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  publishableKey: 'pk_bindings_simple',
  secretKey: 'sk_bindings_simple',
  format: 'simple' as const,
  statement: 'Sign in (simple)',
}

const main = await startDevChain()
const side = await startDevChain({ chainId: 137 })
const [deployer, holderKey, idHolderKey, sideHolderKey] = main.accounts
const holder = privateKeyToAccount(holderKey!.privateKey) // pass #1 on the main chain
const idHolder = privateKeyToAccount(idHolderKey!.privateKey) // pass #7, ERC-1155 id 2
const sideHolder = privateKeyToAccount(sideHolderKey!.privateKey) // the pass only on the side chain
const pass = await main.deployERC721({ from: deployer!.privateKey })
const sidePass = await side.deployERC721({ from: deployer!.privateKey })
const badge = await main.deployERC1155({ from: deployer!.privateKey })
await main.mintERC721(pass, holder.address, 1n)
await main.mintERC721(pass, idHolder.address, 7n)
await main.mintERC1155(badge, idHolder.address, 2n, 1n)
await side.mintERC721(sidePass, sideHolder.address, 1n)

const authority: RunningAuthority = await startAuthority({
  port: 0,
  signingKey: (await generateSigningJwk()) as never,
  issuer: 'http://bindings.test/api/v1',
  projects: [PROJECT, SIMPLE],
  chains: {
    localhost: { rpcUrl: main.rpcUrl, chainId: main.chainId },
    polygon: { rpcUrl: side.rpcUrl, chainId: side.chainId },
  },
  rateLimit: false,
  warn: () => {},
})
t.teardown(async () => {
  await authority.close()
  await main.close()
  await side.close()
})

/** What a browser can do: the publishable key, straight at the authority. */
const browser = new PicketClient(PROJECT.publishableKey, { baseURL: authority.url })
/** The server's client (secret key). */
const server = new PicketClient(PROJECT.secretKey, { baseURL: authority.url })

async function login(
  account: PrivateKeyAccount,
  options: { chain?: string; chainId?: number; domain?: string; requirements?: RequirementsInput } = {},
): Promise<string> {
  const chain = options.chain ?? 'localhost'
  const body = await prepareSiweLogin(browser, account, {
    chain,
    chainId: options.chainId ?? (chain === 'polygon' ? side.chainId : main.chainId),
    domain: options.domain ?? DOMAIN,
  })
  const { accessToken } = await browser.auth({
    ...body,
    ...(options.requirements ? { requirements: options.requirements } : {}),
  })
  return accessToken
}

async function plugin(extra: Partial<PicketPluginOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(picket, {
    client: server,
    chain: 'localhost',
    verify: localVerify(authority, PROJECT.id),
    allowedDomains: [DOMAIN],
    ...extra,
  })
  app.get('/any', { config: { picket: true } }, async () => ({ ok: true }))
  app.get(
    '/badge-1',
    { config: { picket: { requirements: { contractAddress: badge, tokenIds: ['1'] } } } },
    async () => ({ ok: true }),
  )
  app.get(
    '/badge-1-incremental',
    { config: { picket: { requirements: { contractAddress: badge, tokenIds: ['1'] }, incremental: true } } },
    async () => ({ ok: true }),
  )
  app.get(
    '/pass-1',
    { config: { picket: { requirements: { contractAddress: pass, tokenIds: ['1'] }, incremental: true } } },
    async () => ({ ok: true }),
  )
  app.get(
    '/pass-7',
    { config: { picket: { requirements: { contractAddress: pass, tokenIds: ['7'] }, incremental: true } } },
    async () => ({ ok: true }),
  )
  app.get('/pass', { config: { picket: { requirements: { contractAddress: pass } } } }, async () => ({
    ok: true,
  }))
  t.teardown(() => app.close())
  return app
}
const get = async (app: FastifyInstance, url: string, token: string) =>
  app.inject({ url, headers: { authorization: `Bearer ${token}` } })

t.test('item 1: a balance of ERC-1155 id 2 does not open a gate for id 1', async (t) => {
  const app = await plugin()
  const plain = await login(idHolder)
  // The attack: ask /authz directly for the id the wallet holds.
  const { accessToken: forId2 } = await browser.authz({
    accessToken: plain,
    requirements: { contractAddress: badge, tokenIds: ['2'] },
  })
  const claims = decodeJwt(forId2)
  t.same(
    claims.tokenBalances,
    { contractAddress: { [badge]: '1' } },
    "Picket's claim stays as picket-js reads it",
  )
  t.same(claims.tokenIdBalances, { [badge.toLowerCase()]: { '2': '1' } }, 'the ids the balance was read for')

  const res = await get(app, '/badge-1', forId2)
  t.equal(res.statusCode, 403, 'the token proves id 2, not id 1')
  t.equal(res.json().message, 'Access denied: the wallet does not hold the tokens this route requires')
  t.equal((await get(app, '/badge-1-incremental', forId2)).statusCode, 403, 'and the chain says no to id 1')

  const validate = await server.validate(forId2, { contractAddress: badge, tokenIds: ['1'] }).catch((e) => e)
  t.equal(validate.status, 403, "the authority's /auth/validate agrees")
  const authz = await browser
    .authz({ accessToken: forId2, requirements: { contractAddress: badge, tokenIds: ['1'] } })
    .catch((e) => e)
  t.equal(authz.status, 403, 'and /authz reads the chain for id 1')

  // The contract as a whole (no ids): an ERC-1155 balance exists only per id, so no decision
  // point may answer it from a balance read for some ids; all four refuse alike.
  const whole = { contractAddress: badge }
  t.equal((await server.validate(forId2, whole).catch((e) => e)).status, 403, 'validate')
  t.equal(
    (await browser.authz({ accessToken: forId2, requirements: whole }).catch((e) => e)).status,
    400,
    'authz',
  )
  t.equal(
    (
      await server
        .tokenOwnership({ chain: 'localhost', walletAddress: idHolder.address, ...whole })
        .catch((e) => e)
    ).status,
    400,
    'tokenOwnership',
  )
  const gateApp = await plugin()
  gateApp.get('/badge', { config: { picket: { requirements: whole } } }, async () => ({}))
  t.equal((await get(gateApp, '/badge', forId2)).statusCode, 403, 'the plugin gate')
})

t.test('item 1: ERC-721 gates with tokenIds check ownership of those ids', async (t) => {
  const app = await plugin()
  const plain = await login(idHolder)
  const one = await get(app, '/pass-1', plain)
  t.equal(one.statusCode, 403, 'holding pass #7 does not open a gate for pass #1')
  const seven = await get(app, '/pass-7', plain)
  t.equal(seven.statusCode, 200, 'it opens the gate for #7')
  const minted = seven.headers['picket-access-token'] as string
  t.same(decodeJwt(minted).tokenIdBalances, { [pass.toLowerCase()]: { '7': '1' } })

  // One question, one answer everywhere: plugin gate, validate, authz and tokenOwnership.
  const questions: [string[], boolean][] = [
    [['1'], false],
    [['7'], true],
    [['1', '7'], true],
  ]
  for (const [tokenIds, expected] of questions) {
    const requirements = { contractAddress: pass, tokenIds }
    const ownership = await server.tokenOwnership({
      chain: 'localhost',
      walletAddress: idHolder.address,
      ...requirements,
    })
    t.equal(ownership.allowed, expected, `tokenOwnership ${tokenIds}`)
    const authz = await browser.authz({ accessToken: plain, requirements }).then(
      () => true,
      () => false,
    )
    t.equal(authz, expected, `authz ${tokenIds}`)
    if (expected) {
      const { accessToken } = await browser.authz({ accessToken: plain, requirements })
      t.ok(await server.validate(accessToken, requirements), `validate ${tokenIds} on the token authz minted`)
    }
  }
})

t.test('item 2: a token minted on another chain does not open a gate of this chain', async (t) => {
  t.equal(sidePass, pass, 'the same contract address on both chains')
  const app = await plugin()
  const onSide = await login(sideHolder, { chain: 'polygon', requirements: { contractAddress: pass } })
  t.same(
    decodeJwt(onSide).tokenBalances,
    { contractAddress: { [pass]: '1' } },
    'it holds the pass on the side chain',
  )
  const res = await get(app, '/pass', onSide)
  t.equal(res.statusCode, 403)
  t.match(
    res.json().message,
    "this route's requirements apply to localhost, but the token was signed in on polygon",
  )
  t.equal((await get(app, '/any', onSide)).statusCode, 200, 'a gate without requirements still lets it in')

  const polygonRoute = Fastify()
  await polygonRoute.register(picket, {
    client: server,
    verify: localVerify(authority, PROJECT.id),
    allowedDomains: [DOMAIN],
  })
  polygonRoute.get(
    '/side-pass',
    { config: { picket: { chain: 'polygon', requirements: { contractAddress: pass } } } },
    async () => ({}),
  )
  t.teardown(() => polygonRoute.close())
  t.equal((await get(polygonRoute, '/side-pass', onSide)).statusCode, 200, 'a route on that chain opens')
})

t.test('item 3: login rules apply to every gated request, whoever minted the token', async (t) => {
  const app = await plugin({ requirements: { contractAddress: pass }, routes: {} })
  // The outsider cannot log in through the plugin…
  const body = await prepareSiweLogin(browser, idHolder, {
    chain: 'localhost',
    chainId: main.chainId,
    domain: DOMAIN,
  })
  const viaPlugin = await app.inject({ method: 'POST', url: '/auth/login', payload: body })
  t.equal(viaPlugin.statusCode, 200, 'this wallet holds a pass (#7): login works')
  const outsider = privateKeyToAccount(main.accounts[5]!.privateKey)
  const outsiderBody = await prepareSiweLogin(browser, outsider, {
    chain: 'localhost',
    chainId: main.chainId,
    domain: DOMAIN,
  })
  t.equal((await app.inject({ method: 'POST', url: '/auth/login', payload: outsiderBody })).statusCode, 403)
  // …so it logs in at the authority directly, with the public publishable key.
  const direct = await login(outsider)
  t.equal((await get(app, '/any', direct)).statusCode, 403, 'config.picket: true applies the login rules')
  t.equal((await get(app, '/auth/me', direct)).statusCode, 403, '/auth/me too')
  t.equal(
    (await get(app, '/any', await login(holder))).statusCode,
    403,
    'a holder whose token does not carry the balance',
  )
  t.equal(
    (await get(app, '/any', JSON.parse(viaPlugin.body).accessToken)).statusCode,
    200,
    'a token from login carries it',
  )
})

t.test("item 4: a token signed on another site is refused by this site's plugin", async (t) => {
  const app = await plugin()
  const relayed = await login(holder, { domain: PARTNER })
  t.equal(decodeJwt(relayed).domain, PARTNER, 'the token names the site it was signed on')
  const res = await get(app, '/any', relayed)
  t.equal(res.statusCode, 401)
  t.equal(res.json().message, `Invalid access token: the token was signed in on another site (${PARTNER})`)
  const ours = await login(holder)
  t.equal(decodeJwt(ours).domain, DOMAIN)
  t.equal((await get(app, '/any', ours)).statusCode, 200)

  // A token without the claim (a simple-format project; hosted Picket).
  const simpleBrowser = new PicketClient(SIMPLE.publishableKey, { baseURL: authority.url })
  const simpleLogin = await prepareSiweLogin(simpleBrowser, holder, {
    chain: 'localhost',
    chainId: main.chainId,
    domain: DOMAIN,
  })
  const { accessToken: noDomain } = await simpleBrowser.auth(simpleLogin)
  t.equal(decodeJwt(noDomain).domain, undefined)
  const simpleVerify = {
    jwks: `${authority.url}/.well-known/jwks.json`,
    audience: SIMPLE.id,
    issuer: authority.issuer,
  }
  const strict = await plugin({ verify: simpleVerify })
  t.equal((await get(strict, '/any', noDomain)).statusCode, 401, 'refused where domains are configured')
  const lenient = await plugin({ verify: simpleVerify, acceptTokensWithoutDomain: true })
  t.equal(
    (await get(lenient, '/any', noDomain)).statusCode,
    200,
    'unless the option that says what it gives up is set',
  )
})
