/**
 * picket-js's own OAuth client against the authority, in a real browser (issue 13): Debian's
 * chromium (playwright-core) loads picket-js 0.0.102's published browser build (vendored,
 * test/vendor/picket-js-0.0.102/global.js) from an app page and signs in with
 * `loginWithRedirect` + `handleLoginRedirect` and with `loginWithPopup`. The wallet is an
 * injected EIP-1193 `window.ethereum` whose `personal_sign` is done in Node (viem).
 *
 * One Fastify app serves the pages, the vendored file and the authority at /api/v1: same origin,
 * because picket-js's popup flow compares `event.origin` with `popup.origin`, which can only be
 * read while the popup shows the opener's origin (reference §2.8 [C]).
 *
 * What the browser sends is recorded (page requests, and the raw request line and headers the
 * server received) and compared with picket-js's source: that is the wire-format evidence.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { createAuthority } from 'picket-authority'
import { createSigningMessage } from 'picket-core'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import t, { type Test } from 'tap'
import type { Address } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { startDevChain } from '../../tools/devchain/index.js'
import { injectWallet, withChromium } from '../support/chromium.js'

const PICKET_JS = new URL('../vendor/picket-js-0.0.102/global.js', import.meta.url)
/** Recorded in test/vendor/picket-js-0.0.102/README.md; the vendored file must not change. */
const PICKET_JS_SHA256 = 'e3f813215efee10ef2291702133ecccc2f558d0f6a354a55cbbe7be90e30268b'
const TIMEOUT = 20_000

/** The parameters picket-js 0.0.102's getAuthorizationURL sets, in its order (src/picket.ts). */
const PICKET_JS_AUTHORIZE_PARAMS = [
  'client_id',
  'redirect_uri',
  'code_challenge',
  'state',
  'code_challenge_method',
  'response_mode',
  'locale',
  'chain',
  'walletAddress',
  'signature',
  // contractAddress, minTokenBalance, collection, creatorAddress, tokenIds, allowedWallets go here
  'domain',
  'uri',
  'issuedAt',
]
/** picket-js's randomString() alphabet: state = btoa(43 of these). */
const STATE_CHARSET = /^[0-9A-Za-z\-_~.]{43}$/

const picketJs = readFileSync(PICKET_JS)

interface PageApp {
  redirect(options: { redirectURI: string; requirements?: Record<string, unknown> }): Promise<void>
  popup(options?: { requirements?: Record<string, unknown> }): Promise<unknown>
}
type AppWindow = Window & { app: PageApp }

interface SeenByServer {
  method: string
  /** The request target exactly as it arrived (path + raw query). */
  url: string
  headers: IncomingHttpHeaders
}

t.test('the vendored picket-js build is the published file, unmodified', async (t) => {
  t.equal(createHash('sha256').update(picketJs).digest('hex'), PICKET_JS_SHA256)
})

await withChromium(t, run)

async function run(browser: Browser): Promise<void> {
  // The chain is served as `ethereum` (chain id 1), picket-js's default chain.
  const chain = await startDevChain({ chainId: 1 })
  t.teardown(() => chain.close())
  const pass = await chain.deployERC721({ name: 'Pass', symbol: 'PASS' })

  // The issuer names the port, so the port must exist before the authority is created: the
  // HTTP server listens first and Fastify is given it through serverFactory (no port race).
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const HOST = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const ORIGIN = `http://${HOST}`
  const ISSUER = `${ORIGIN}/api/v1`
  const PROJECT = {
    id: '6d1f3c2a-9b7e-4f05-8c14-3a2e5b7d9f60',
    name: 'picket-js OAuth',
    publishableKey: 'pk_picket_js_oauth',
    secretKey: 'sk_picket_js_oauth',
    statement: 'Sign in to the picket-js OAuth test',
    allowedDomains: [HOST],
    redirectUris: [`${ORIGIN}/`, `${ORIGIN}/callback`],
  }

  const seen: SeenByServer[] = []
  const app = Fastify({
    serverFactory: (handler) => {
      server.on('request', handler)
      return server
    },
  })
  app.addHook('onRequest', async (request) => {
    if (request.raw.url?.startsWith('/api/v1/oauth2/')) {
      seen.push({ method: request.method, url: request.raw.url, headers: { ...request.headers } })
    }
  })
  app.get('/vendor/picket.js', (_request, reply) => {
    reply.type('text/javascript; charset=utf-8').send(picketJs)
  })
  app.get('/', (_request, reply) => {
    reply.type('text/html; charset=utf-8').send(page('app', appScript(PROJECT.publishableKey)))
  })
  app.get('/callback', (_request, reply) => {
    reply.type('text/html; charset=utf-8').send(page('callback', callbackScript(PROJECT.publishableKey)))
  })
  app.get('/elsewhere', (_request, reply) => {
    reply.type('text/html; charset=utf-8').send(page('elsewhere', ''))
  })
  await app.register(
    createAuthority({
      issuer: ISSUER,
      projects: [PROJECT],
      chains: { ethereum: { rpcUrl: chain.rpcUrl } },
      warn: () => {},
    }),
    { prefix: '/api/v1' },
  )
  await app.ready()
  t.teardown(() => app.close())

  const jwks = createRemoteJWKSet(new URL(`${ISSUER}/.well-known/jwks.json`))

  interface Session {
    context: BrowserContext
    page: Page
    wallet: PrivateKeyAccount
    /** Every request of the context (popups included), in order. */
    requests: Request[]
    /** Messages the wallet signed. */
    signed: string[]
    /** Requests for anything outside ORIGIN: aborted (tests do not reach the network). */
    offsite: string[]
    /** Status and headers of every response, kept when its page closes (the popup). */
    responses: Map<Request, { status: number; headers: Record<string, string> }>
    /** Uncaught page errors and console errors, for failure messages. */
    problems: string[]
  }

  /**
   * A browser context whose pages have a wallet (lower-case address, as MetaMask hands it out),
   * opened at the app page. `stateWithPlus` makes picket-js's own randomString() draw again
   * until btoa() of it contains `+` (it always ends in `==`), so that the state round trip is
   * tested on the characters URL encoding gets wrong. (`/` never occurs: it needs a byte whose
   * low six bits are all set at the end of a 3-byte group, and picket-js's alphabet has no `?`.)
   */
  async function open(options: { stateWithPlus?: boolean } = {}): Promise<Session> {
    const context = await browser.newContext()
    t.teardown(() => context.close())
    const wallet = privateKeyToAccount(generatePrivateKey())
    const session: Session = {
      context,
      page: undefined as unknown as Page,
      wallet,
      requests: [],
      signed: [],
      offsite: [],
      responses: new Map(),
      problems: [],
    }
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url === ORIGIN || url.startsWith(`${ORIGIN}/`)) return route.continue()
      session.offsite.push(url)
      return route.abort()
    })
    context.on('request', (request) => session.requests.push(request))
    context.on('response', (response) => {
      session.responses.set(response.request(), { status: response.status(), headers: response.headers() })
    })
    context.on('page', (page) => {
      page.on('pageerror', (error) => session.problems.push(`pageerror: ${error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error') session.problems.push(`console: ${message.text()}`)
      })
    })
    await injectWallet(context, wallet, { chainId: 1, record: session.signed })
    if (options.stateWithPlus) {
      await context.addInitScript((charset) => {
        // picket-js's randomString() is the only caller asking for 43 random bytes.
        const original = crypto.getRandomValues.bind(crypto) as (array: Uint8Array) => Uint8Array
        crypto.getRandomValues = ((array: Uint8Array) => {
          if (!(array instanceof Uint8Array) || array.length !== 43) return original(array)
          for (;;) {
            original(array)
            const state = btoa(Array.from(array, (v) => charset[v % charset.length]).join(''))
            if (state.includes('+')) return array
          }
        }) as typeof crypto.getRandomValues
      }, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_~.')
    }
    session.page = await context.newPage()
    await session.page.goto(`${ORIGIN}/`)
    await session.page.locator('#ready').waitFor({ state: 'attached', timeout: TIMEOUT })
    return session
  }

  const pathOf = (request: Request) => new URL(request.url()).pathname
  const authorizeRequests = (s: Session) => s.requests.filter((r) => pathOf(r) === '/api/v1/oauth2/authorize')
  const tokenRequests = (s: Session) => s.requests.filter((r) => pathOf(r) === '/api/v1/oauth2/token')
  const problems = (s: Session) => (s.problems.length ? `\n${s.problems.join('\n')}` : '')

  /** Starts loginWithRedirect in the page and waits until the browser is at /callback. */
  async function redirectToCallback(
    s: Session,
    options: { redirectURI: string; requirements?: Record<string, unknown> },
  ): Promise<void> {
    await s.page.evaluate((o) => {
      void (window as unknown as AppWindow).app.redirect(o)
    }, options)
    try {
      await s.page.waitForURL((url) => url.pathname === '/callback', { timeout: TIMEOUT })
    } catch (error) {
      const shown = await s.page
        .locator('#outcome')
        .textContent()
        .catch(() => null)
      throw new Error(`no redirect to /callback (page at ${s.page.url()}, shows ${shown})${problems(s)}`, {
        cause: error,
      })
    }
  }

  /** What the /callback page got from handleLoginRedirect(): the result, or the error message. */
  async function callbackOutcome(s: Session): Promise<{ ok: boolean; text: string }> {
    const outcome = s.page.locator('#outcome[data-outcome]')
    await outcome.waitFor({ state: 'attached', timeout: TIMEOUT })
    return {
      ok: (await outcome.getAttribute('data-outcome')) === 'ok',
      text: (await outcome.textContent()) ?? '',
    }
  }

  /** Checks the authorize request against picket-js's parameter set and returns its query. */
  function checkAuthorizeRequest(
    t: Test,
    s: Session,
    request: Request,
    expected: { responseMode: 'code' | 'web_message'; redirectURI: string; extra?: Record<string, string> },
  ): URLSearchParams {
    const url = new URL(request.url())
    const params = url.searchParams
    const extraKeys = Object.keys(expected.extra ?? {})
    const keys = [...PICKET_JS_AUTHORIZE_PARAMS]
    keys.splice(keys.indexOf('domain'), 0, ...extraKeys)
    t.equal(request.method(), 'GET', 'authorize: a GET (a navigation)')
    t.same([...params.keys()], keys, "authorize: exactly picket-js's parameters, in its order")
    t.equal(params.get('client_id'), PROJECT.publishableKey)
    t.equal(params.get('redirect_uri'), expected.redirectURI)
    t.match(params.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/, 'S256 challenge, base64url without padding')
    t.equal(params.get('code_challenge_method'), 'S256')
    t.equal(params.get('response_mode'), expected.responseMode)
    t.equal(params.get('locale'), 'en')
    t.equal(params.get('chain'), 'ethereum')
    t.equal(params.get('walletAddress'), s.wallet.address.toLowerCase(), 'the address as the wallet gave it')
    t.match(params.get('signature'), /^0x[0-9a-f]{130}$/)
    for (const [key, value] of Object.entries(expected.extra ?? {})) t.equal(params.get(key), value, key)
    t.equal(params.get('domain'), HOST)
    t.equal(params.get('uri'), ORIGIN)
    t.match(params.get('issuedAt'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const state = params.get('state') ?? ''
    t.match(state, /^[A-Za-z0-9+/]{58}==$/, 'state: standard base64 with padding (btoa of 43 chars)')
    t.match(atob(state), STATE_CHARSET)
    t.notOk(request.headers().authorization, 'authorize: no Authorization header')
    // The raw query as it left the browser: URLSearchParams encoding (+ → %2B, / → %2F, = → %3D).
    t.match(url.search, `state=${encodeURIComponent(state)}&`, 'state is percent-encoded on the wire')
    const server = seen.find((r) => r.url === `${url.pathname}${url.search}`)
    t.ok(server, 'the server received the same request target, byte for byte')
    t.equal(server?.method, 'GET')
    return params
  }

  /** The SIWE message the wallet signed is byte-identical to core's rebuild of it. */
  function checkSignedMessage(t: Test, s: Session, authorize: URLSearchParams): void {
    t.equal(s.signed.length, 1, 'one personal_sign')
    const message = s.signed[0] ?? ''
    const nonce = /^Nonce: (.*)$/m.exec(message)?.[1] ?? ''
    t.equal(
      message,
      createSigningMessage({
        format: 'siwe',
        statement: PROJECT.statement,
        walletAddress: s.wallet.address.toLowerCase(),
        nonce,
        domain: HOST,
        uri: ORIGIN,
        chainId: 1,
        issuedAt: authorize.get('issuedAt') ?? '',
      }),
      "picket-js's createSigningMessage = core's, for the authorize parameters",
    )
  }

  /** The token request picket-js sends, its code/PKCE binding, and its response status and headers. */
  async function checkTokenRequest(
    t: Test,
    request: Request,
    expected: { code: string; redirectURI: string; codeChallenge: string },
  ): Promise<void> {
    const headers = await request.allHeaders()
    t.equal(request.method(), 'POST', 'token: POST')
    t.equal(headers['content-type'], 'application/json', 'token: JSON body')
    const basic = `Basic  ${Buffer.from(PROJECT.publishableKey).toString('base64')}`
    t.equal(headers.authorization, basic, 'token: `Basic␠␠b64(publishable key)` (two spaces)')
    const server = seen.filter((r) => r.method === 'POST' && r.url === '/api/v1/oauth2/token')
    t.ok(
      server.length > 0 && server.every((r) => r.headers.authorization === basic),
      'the server got them too',
    )
    const raw = request.postData() ?? ''
    const body = JSON.parse(raw) as Record<string, string>
    t.same(Object.keys(body), ['grant_type', 'code_verifier', 'code', 'redirect_uri'], 'token body fields')
    t.equal(body.grant_type, 'authorization_code')
    t.equal(body.code, expected.code, 'the code the authority issued')
    t.equal(body.redirect_uri, expected.redirectURI)
    t.match(body.code_verifier, /^[A-Za-z0-9\-._~]{43}$/, 'RFC 7636 verifier (43 chars)')
    t.equal(
      createHash('sha256')
        .update(body.code_verifier ?? '')
        .digest('base64url'),
      expected.codeChallenge,
      'BASE64URL(SHA-256(code_verifier)) = the code_challenge sent to authorize',
    )
    const response = await request.response()
    const status = response?.status()
    t.equal(status, 200, `token: 200${status === 200 ? '' : ` ${await response?.text().catch(() => '')}`}`)
    t.match(response?.headers()['cache-control'], /no-store/, 'token: Cache-Control: no-store')
  }

  /** The access token verifies against the authority's JWKS and with POST /auth/validate. */
  async function checkAccessToken(t: Test, s: Session, accessToken: string): Promise<void> {
    const { payload } = await jwtVerify(accessToken, jwks, { issuer: ISSUER })
    t.equal(payload.sub, `ethereum:${s.wallet.address}`, 'sub')
    t.equal(payload.walletAddress, s.wallet.address, 'checksummed walletAddress claim')
    const validate = await fetch(`${ISSUER}/auth/validate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(PROJECT.secretKey).toString('base64')}`,
      },
      body: JSON.stringify({ accessToken }),
    })
    t.equal(validate.status, 200, 'POST /auth/validate with the secret key')
    t.match(await validate.json(), { walletAddress: s.wallet.address, chain: 'ethereum' })
  }

  t.test('loginWithRedirect → authority → /callback → handleLoginRedirect', async (t) => {
    const s = await open({ stateWithPlus: true })
    await redirectToCallback(s, { redirectURI: `${ORIGIN}/callback` })

    // The navigation chain: the authorize request answered with a redirect to /callback.
    const authorize = authorizeRequests(s)
    t.equal(authorize.length, 1, 'one authorize request')
    const request = authorize[0]!
    const params = checkAuthorizeRequest(t, s, request, {
      responseMode: 'code',
      redirectURI: `${ORIGIN}/callback`,
    })
    checkSignedMessage(t, s, params)
    const authorizeResponse = s.responses.get(request)
    t.equal(authorizeResponse?.status, 302, 'authorize answers with a redirect')
    const location = authorizeResponse?.headers.location ?? ''
    const callbackDocument = s.requests.find((r) => pathOf(r) === '/callback')
    t.equal(
      callbackDocument?.redirectedFrom(),
      request,
      'the browser followed it from authorize to /callback',
    )

    const callbackUrl = new URL(s.page.url())
    t.equal(new URL(location, ORIGIN).href, callbackUrl.href, 'to the Location the authority sent')
    t.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, `${ORIGIN}/callback`)
    const state = params.get('state')!
    t.match(state, /[+]/, 'this state has a +')
    t.equal(callbackUrl.searchParams.get('state'), state, 'state comes back byte for byte')
    t.match(callbackUrl.searchParams.get('code'), /\S{16,}/, 'a code')
    t.equal(callbackUrl.searchParams.get('iss'), ISSUER, 'iss (RFC 9207)')
    t.same([...callbackUrl.searchParams.keys()].sort(), ['code', 'iss', 'state'])

    const outcome = await callbackOutcome(s)
    t.ok(outcome.ok, `handleLoginRedirect resolved${outcome.ok ? '' : `: ${outcome.text}${problems(s)}`}`)
    const result = JSON.parse(outcome.ok ? outcome.text : '{}')
    t.match(result, {
      accessToken: String,
      user: { chain: 'ethereum', walletAddress: s.wallet.address, displayAddress: s.wallet.address },
      appState: { returnTo: '/after-login' },
    })

    const token = tokenRequests(s)
    t.equal(token.length, 1, 'one token request')
    await checkTokenRequest(t, token[0]!, {
      code: callbackUrl.searchParams.get('code')!,
      redirectURI: `${ORIGIN}/callback`,
      codeChallenge: params.get('code_challenge')!,
    })
    await checkAccessToken(t, s, result.accessToken)
    t.same(s.offsite, [], 'nothing outside the origin was requested')
    // The wire format as the browser sent it, for the record.
    const tokenHeaders = await token[0]!.allHeaders()
    t.comment(`authorize: GET ${new URL(request.url()).pathname}${new URL(request.url()).search}`)
    t.comment(`→ ${authorizeResponse?.status} Location: ${location}`)
    t.comment(
      `token: POST content-type: ${tokenHeaders['content-type']}; authorization: ${JSON.stringify(tokenHeaders.authorization)}; body ${token[0]!.postData()}`,
    )
    t.comment(`handleLoginRedirect() resolved with the keys ${Object.keys(result).join(', ')}`)
    // picket-js keeps the whole token response as its auth state and drops the PKCE transaction.
    const storage = await s.page.evaluate(() => ({
      auth: localStorage.getItem('_picketauth'),
      pkce: localStorage.getItem('_picketauth_pkce'),
    }))
    t.same(JSON.parse(storage.auth ?? '{}'), await (await token[0]!.response())!.json(), 'stored auth state')
    t.equal(storage.pkce, null, 'PKCE transaction removed')
    t.comment(
      `picket-js stored in localStorage._picketauth: ${Object.keys(JSON.parse(storage.auth ?? '{}'))}`,
    )

    // Replays: the code is single use; the signed authorize URL's nonce is spent.
    const again = await fetch(`${ISSUER}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: (await token[0]!.allHeaders()).authorization!,
      },
      body: token[0]!.postData()!,
    })
    t.equal(again.status, 400, 'the code is single use')
    t.match(await again.json(), { error: 'invalid_grant' })
    const replay = await fetch(request.url(), { redirect: 'manual', headers: { accept: 'text/html' } })
    t.equal(replay.status, 302, 'replayed authorize URL: redirected back…')
    const replayed = new URL(replay.headers.get('location') ?? '', ORIGIN).searchParams
    t.ok(
      replayed.get('error'),
      `…with an error (${replayed.get('error')}: ${replayed.get('error_description')})`,
    )
    t.notOk(replayed.get('code'), '…and no code')
    t.equal(replayed.get('state'), state)
  })

  t.test('loginWithPopup on the same origin', async (t) => {
    const s = await open()
    const popupOpened = s.context.waitForEvent('page', { timeout: TIMEOUT })
    const result = (await s.page.evaluate(() => (window as unknown as AppWindow).app.popup())) as Record<
      string,
      // biome-ignore lint/suspicious/noExplicitAny: JSON from the page
      any
    >
    const popup = await popupOpened
    t.notOk(result.error, `loginWithPopup resolved: ${result.error ?? ''}${problems(s)}`)
    t.match(result, {
      accessToken: String,
      user: { chain: 'ethereum', walletAddress: s.wallet.address },
    })

    const authorize = authorizeRequests(s)
    t.equal(authorize.length, 1, 'one authorize request')
    const request = authorize[0]!
    t.equal(request.frame().page(), popup, 'requested by the popup window')
    const params = checkAuthorizeRequest(t, s, request, {
      responseMode: 'web_message',
      redirectURI: `${ORIGIN}/`, // loginWithPopup's default: window.location.href
    })
    checkSignedMessage(t, s, params)
    const authorizeResponse = s.responses.get(request)
    t.equal(authorizeResponse?.status, 200, 'web_message: a page, not a redirect')
    t.match(authorizeResponse?.headers['content-type'], /^text\/html/)
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: TIMEOUT })
    t.ok(popup.isClosed(), 'picket-js closed the popup after the message')

    const token = tokenRequests(s)
    t.equal(token.length, 1, 'one token request, from the opener')
    t.equal(token[0]!.frame().page(), s.page)
    // The code travelled by postMessage only: take it from the token request and check the binding.
    const code = JSON.parse(token[0]!.postData() ?? '{}').code as string
    t.notOk(
      s.requests.some((r) => new URL(r.url()).searchParams.has('code')),
      'no URL carried the code',
    )
    await checkTokenRequest(t, token[0]!, {
      code,
      redirectURI: `${ORIGIN}/`,
      codeChallenge: params.get('code_challenge')!,
    })
    await checkAccessToken(t, s, result.accessToken)
    t.same(s.offsite, [], 'nothing outside the origin was requested')
  })

  t.test('loginWithPopup with a requirement the wallet meets: balances in the user', async (t) => {
    const s = await open()
    await chain.mintERC721(pass, s.wallet.address, 1n)
    const result = (await s.page.evaluate(
      (requirements) => (window as unknown as AppWindow).app.popup({ requirements }),
      { contractAddress: pass },
      // biome-ignore lint/suspicious/noExplicitAny: JSON from the page
    )) as Record<string, any>
    t.notOk(result.error, `loginWithPopup resolved: ${result.error ?? ''}${problems(s)}`)
    t.same(result.user?.tokenBalances, { contractAddress: { [pass]: '1' } })
    checkAuthorizeRequest(t, s, authorizeRequests(s)[0]!, {
      responseMode: 'web_message',
      redirectURI: `${ORIGIN}/`,
      extra: { contractAddress: pass },
    })
    const { payload } = await jwtVerify(result.accessToken, jwks, { issuer: ISSUER })
    t.same(payload.tokenBalances, { contractAddress: { [pass]: '1' } })
  })

  t.test("a requirement the wallet doesn't meet: handleLoginRedirect rejects with the reason", async (t) => {
    const s = await open()
    await redirectToCallback(s, {
      redirectURI: `${ORIGIN}/callback`,
      requirements: { contractAddress: pass as Address },
    })
    const params = checkAuthorizeRequest(t, s, authorizeRequests(s)[0]!, {
      responseMode: 'code',
      redirectURI: `${ORIGIN}/callback`,
      extra: { contractAddress: pass },
    })
    const callbackUrl = new URL(s.page.url())
    t.equal(callbackUrl.searchParams.get('error'), 'access_denied')
    const description = callbackUrl.searchParams.get('error_description') ?? ''
    t.match(description, /token/i, `error_description: ${description}`)
    t.equal(callbackUrl.searchParams.get('state'), params.get('state'), 'state echoed on errors too')
    t.notOk(callbackUrl.searchParams.has('code'))
    const outcome = await callbackOutcome(s)
    t.notOk(outcome.ok, 'handleLoginRedirect rejected')
    t.equal(outcome.text, description, "with the authority's error_description as the message")
    t.equal(tokenRequests(s).length, 0, 'no token request')
  })

  t.test("loginWithPopup with a requirement the wallet doesn't meet: rejects with the reason", async (t) => {
    const s = await open()
    const result = (await s.page.evaluate(
      (requirements) => (window as unknown as AppWindow).app.popup({ requirements }),
      { contractAddress: pass },
    )) as { error?: string }
    const request = authorizeRequests(s)[0]!
    checkAuthorizeRequest(t, s, request, {
      responseMode: 'web_message',
      redirectURI: `${ORIGIN}/`,
      extra: { contractAddress: pass },
    })
    t.equal(s.responses.get(request)?.status, 200, 'the error travels by web_message too')
    t.match(result.error, /token/i, `loginWithPopup rejected: ${result.error}`)
    t.equal(tokenRequests(s).length, 0, 'no token request')
  })

  t.test('a redirect_uri that is not registered: an error page, no redirect', async (t) => {
    const s = await open()
    const authorizeResponse = s.page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/api/v1/oauth2/authorize',
      { timeout: TIMEOUT },
    )
    await s.page.evaluate(
      (o) => {
        void (window as unknown as AppWindow).app.redirect(o)
      },
      { redirectURI: `${ORIGIN}/elsewhere` },
    )
    const response = await authorizeResponse
    await s.page.waitForURL((url) => url.pathname === '/api/v1/oauth2/authorize', { timeout: TIMEOUT })
    await s.page.waitForLoadState('load')
    t.equal(response.status(), 400)
    t.match(response.headers()['content-type'], /^text\/html/, 'an HTML page for the browser')
    t.notOk(response.headers().location, 'no Location')
    t.equal(s.page.url(), response.url(), 'the browser stays on the authority')
    t.match(await s.page.locator('body').textContent(), /redirect_uri/, 'the page names redirect_uri')
    t.notOk(
      s.requests.some((r) => pathOf(r) === '/elsewhere'),
      'nothing was sent to the unregistered redirect_uri',
    )
  })
}

/** An app page: loads the vendored picket-js build, then runs `script` as a module. */
function page(name: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>picket-js ${name}</title>
<script src="/vendor/picket.js"></script></head>
<body>
<pre id="outcome"></pre>
<script type="module">
${script}
</script>
</body>
</html>`
}

/** Shared by both pages: the Picket instance and a place to show what happened. */
function common(publishableKey: string): string {
  return `
const picket = new window.Picket(${JSON.stringify(publishableKey)}, { baseURL: location.origin + '/api/v1' })
const outcome = document.getElementById('outcome')
const message = (error) => (error instanceof Error ? error.message : JSON.stringify(error))
const show = (ok, text) => {
  outcome.textContent = text
  outcome.dataset.outcome = ok ? 'ok' : 'error'
}
`
}

/**
 * The app: gets a nonce, builds the message with Picket.createSigningMessage, has the wallet
 * sign it, then hands the pre-obtained signature to loginWithRedirect / loginWithPopup.
 */
function appScript(publishableKey: string): string {
  return `${common(publishableKey)}
async function signedLogin(requirements) {
  const [walletAddress] = await window.ethereum.request({ method: 'eth_requestAccounts' })
  const { nonce, statement, format } = await picket.nonce({ chain: 'ethereum', walletAddress })
  const { chainId } = await picket.chainInfo('ethereum')
  const context = {
    domain: location.host,
    uri: location.origin,
    issuedAt: new Date().toISOString(),
    chainId,
    chainType: 'ethereum',
    locale: 'en',
  }
  const text = window.Picket.createSigningMessage({ format, statement, nonce, walletAddress, ...context })
  const hex = '0x' + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')
  const signature = await window.ethereum.request({ method: 'personal_sign', params: [hex, walletAddress] })
  return { chain: 'ethereum', walletAddress, signature, context, ...requirements }
}
window.app = {
  async redirect({ redirectURI, requirements = {} }) {
    try {
      const login = await signedLogin(requirements)
      await picket.loginWithRedirect(login, { redirectURI, appState: { returnTo: '/after-login' } })
    } catch (error) {
      show(false, message(error))
    }
  },
  async popup({ requirements = {} } = {}) {
    try {
      const login = await signedLogin(requirements)
      const auth = await picket.loginWithPopup(login)
      show(true, JSON.stringify(auth))
      return auth
    } catch (error) {
      show(false, message(error))
      return { error: message(error) }
    }
  },
}
document.body.insertAdjacentHTML('beforeend', '<span id="ready"></span>')
`
}

/** The redirect target: finishes the flow with handleLoginRedirect(). */
function callbackScript(publishableKey: string): string {
  return `${common(publishableKey)}
try {
  show(true, JSON.stringify(await picket.handleLoginRedirect()))
} catch (error) {
  show(false, message(error))
}
`
}
