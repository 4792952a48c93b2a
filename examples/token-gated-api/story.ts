/**
 * The scripted client behind `npm run demo`: the whole story against a running example, with
 * real signatures, real tokens and real chain state. Each step states what must happen; the
 * story passes only if every step behaved.
 */
import { importJWK, SignJWT } from 'jose'
import type { NonceResponse } from 'picket-core'
import { withLowS } from 'picket-core'
import type { RunningExample } from './app.js'
import type { DemoWallet } from './demo-chain.js'
import { type LoginBody, signLogin } from './siwe-login.js'

/**
 * What decided a step (the demo prints it as a tag, matching its opening picture):
 *   login  signing in: the nonce, the wallet's signature, the login that returns an access token;
 *   token  decided from the access token alone (signature and claims): no /authz, no chain read;
 *   chain  the plugin asked /authz (incremental authorization or revalidation) and the authority
 *          read the chain; also a step that only inspects the answer of such a request;
 *   none   nothing was gated: the public route, the demo's own transfer on chain.
 * test/examples/demo.test.ts watches each step's requests and fails if a tag is not true.
 */
export type Decision = 'login' | 'token' | 'chain' | 'none'

export interface StoryStep {
  /** The part of the story the step belongs to. */
  act: string
  decidedBy: Decision
  title: string
  ok: boolean
  /** What actually happened (status, message, the interesting part of the body). */
  detail: string
}

export interface StoryResult {
  ok: boolean
  steps: StoryStep[]
}

interface Answer {
  status: number
  body: Record<string, unknown>
  newToken: string | undefined
}

const NEW_TOKEN_HEADER = 'picket-access-token'

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
}

/** `report` receives each step as it completes (the CLI prints it). */
export async function runStory(
  example: RunningExample,
  report: (step: StoryStep) => void = () => {},
): Promise<StoryResult> {
  const steps: StoryStep[] = []
  let act = ''
  const { holder, outsider, friend } = example.demo

  async function request(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown } = {},
  ) {
    const headers: Record<string, string> = {}
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const response = await fetch(`${example.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    const answer: Answer = {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      newToken: response.headers.get(NEW_TOKEN_HEADER) ?? undefined,
    }
    return answer
  }

  function step(decidedBy: Decision, title: string, ok: boolean, detail: string): boolean {
    const done = { act, decidedBy, title, ok, detail }
    steps.push(done)
    report(done)
    return ok
  }

  function describe(answer: Answer): string {
    const message = answer.body.message ?? answer.body.msg
    const text = typeof message === 'string' ? `${answer.status} ${message}` : String(answer.status)
    return answer.newToken ? `${text} (new token in ${NEW_TOKEN_HEADER})` : text
  }

  /** A gated call that must answer `status`. */
  async function expectStatus(
    decidedBy: Decision,
    title: string,
    path: string,
    token: string | undefined,
    status: number,
  ) {
    const answer = await request('GET', path, token ? { token } : {})
    step(decidedBy, title, answer.status === status, describe(answer))
    return answer
  }

  async function signIn(wallet: DemoWallet): Promise<{ token: string; body: LoginBody } | undefined> {
    const nonce = await request('POST', '/auth/nonce', {
      body: { chain: example.chainSlug, walletAddress: wallet.address },
    })
    const nonceDetail = `${nonce.status} nonce ${String(nonce.body.nonce)}, format ${String(nonce.body.format)}`
    if (!step('login', `ask for a nonce for ${wallet.address}`, nonce.status === 200, nonceDetail))
      return undefined
    const { message, body } = await signLogin({
      privateKey: wallet.privateKey,
      nonce: nonce.body as unknown as NonceResponse,
      appUrl: example.url,
      chain: example.chainSlug,
      chainId: example.chainId,
    })
    step('login', 'sign the SIWE message with the wallet key', true, message.split('\n')[0]!)
    const login = await request('POST', '/auth/login', { body })
    const token = typeof login.body.accessToken === 'string' ? login.body.accessToken : undefined
    const loginDetail = token ? `${login.status} access token ${token.slice(0, 24)}…` : describe(login)
    if (
      !step(
        'login',
        'log in: the signature is exchanged for an access token',
        login.status === 200 && !!token,
        loginDetail,
      )
    )
      return undefined
    return { token: token!, body }
  }

  act = 'The holder signs in and walks through the gates'
  const holderSession = await signIn(holder)
  if (!holderSession) return { ok: false, steps }
  let token = holderSession.token
  await expectStatus('none', 'public route: open to everyone', '/api/public', undefined, 200)
  await expectStatus('token', 'members route without a token: 401', '/api/members', undefined, 401)
  await expectStatus('token', 'members route with the token: 200', '/api/members', token, 200)
  await expectStatus('token', 'allowlist route: the holder is listed', '/api/allowlist', token, 200)
  const pass = await expectStatus(
    'chain',
    'pass-holders route: 200 (incremental authorization)',
    '/api/pass-holders',
    token,
    200,
  )
  step(
    'chain',
    'a new token carrying the pass balance came back',
    !!pass.newToken,
    pass.newToken ? 'picket-access-token set' : 'no new token',
  )
  token = pass.newToken ?? token
  const coins = await expectStatus(
    'chain',
    'coin-holders route (>= 50 COIN): 200',
    '/api/coin-holders',
    token,
    200,
  )
  token = coins.newToken ?? token
  const again = await expectStatus(
    'token',
    'pass-holders again with the new token: decided from the token',
    '/api/pass-holders',
    token,
    200,
  )
  step(
    'token',
    'no /authz needed this time',
    !again.newToken,
    again.newToken ? 'a new token was minted again' : 'no new token',
  )
  step(
    'token',
    'the token now carries both balances',
    JSON.stringify(claimsOf(token).tokenBalances).includes(example.demo.pass) &&
      JSON.stringify(claimsOf(token).tokenBalances).includes(example.demo.coin),
    JSON.stringify(claimsOf(token).tokenBalances),
  )
  await expectStatus(
    'chain',
    'live pass route (revalidate, fresh chain read): 200',
    '/api/pass-holders/live',
    token,
    200,
  )

  act = 'Replaying a login'
  const replay = await request('POST', '/auth/login', { body: holderSession.body })
  step('login', 'the same signature submitted twice is refused', replay.status === 401, describe(replay))

  act = 'A wallet without the pass'
  const outsiderSession = await signIn(outsider)
  if (outsiderSession) {
    const other = outsiderSession.token
    await expectStatus(
      'token',
      'outsider: members route is open to any signed-in wallet',
      '/api/members',
      other,
      200,
    )
    await expectStatus('chain', 'outsider: pass-holders route refuses (403)', '/api/pass-holders', other, 403)
    await expectStatus(
      'chain',
      'outsider: coin-holders refuses: 10 COIN is not 50 (403)',
      '/api/coin-holders',
      other,
      403,
    )
    await expectStatus('token', 'outsider: not on the allowlist (403)', '/api/allowlist', other, 403)
  }

  act = 'Tokens that must not pass'
  const [header, , signature] = token.split('.')
  const forgedClaims = { ...claimsOf(token), walletAddress: outsider.address }
  const tampered = `${header}.${Buffer.from(JSON.stringify(forgedClaims)).toString('base64url')}.${signature}`
  await expectStatus('token', 'a tampered token (payload edited) gets 401', '/api/members', tampered, 401)
  const expired = await expiredCopyOf(token, example)
  await expectStatus(
    'token',
    'an expired token (signed by the real key) gets 401',
    '/api/members',
    expired,
    401,
  )

  act = 'The holder gives the pass away: the token still says 1, the chain says 0'
  await example.demo.chain.transferERC721(
    example.demo.pass,
    holder.privateKey,
    friend.address,
    example.demo.passId,
  )
  step(
    'none',
    'the holder transfers the pass to a friend (on chain)',
    true,
    `PASS #${example.demo.passId} → ${friend.address}`,
  )
  // Revalidation answers are reused for 1 s per token; wait that out.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  await expectStatus(
    'token',
    'pass-holders (from the token) still answers 200',
    '/api/pass-holders',
    token,
    200,
  )
  await expectStatus(
    'chain',
    'live pass route (revalidate) now refuses (403)',
    '/api/pass-holders/live',
    token,
    403,
  )

  return { ok: steps.every((s) => s.ok), steps }
}

/** The same claims, signed with the authority's key, but expired an hour ago. */
async function expiredCopyOf(token: string, example: RunningExample): Promise<string> {
  const { keys } = (await (await fetch(example.jwksUrl)).json()) as { keys: { kid?: string }[] }
  const key = await importJWK(example.signingJwk, 'ES256')
  const now = Math.floor(Date.now() / 1000)
  const expired = await new SignJWT({ ...claimsOf(token), iat: now - 7200, exp: now - 3600 })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...(keys[0]?.kid ? { kid: keys[0].kid } : {}) })
    .sign(key)
  // As the authority does: only the low-s form of an ES256 signature is accepted.
  return withLowS(expired)
}
