/**
 * The OIDC client example in a real browser: Debian's chromium driven by playwright-core, with an
 * EIP-1193 wallet injected as `window.ethereum` (its `personal_sign` done in Node with a demo
 * key). The app itself has no wallet code: the person clicks "Sign in with your wallet" on the
 * app, lands on the authority's hosted login page, clicks its button, the wallet signs, and the
 * authority sends the browser back to the app with a code that openid-client exchanges.
 * A screenshot of the members' room is saved under test-output/.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { PROJECT, start } from '../../examples/oidc-client/start.js'
import type { DemoWallet } from '../../examples/token-gated-api/demo-chain.js'
import { injectWallet, withChromium } from '../support/chromium.js'

const repoRoot = new URL('../../', import.meta.url).pathname
const exampleDir = join(repoRoot, 'examples/oidc-client')
const SCREENSHOT_DIR = join(repoRoot, 'test-output')

t.test('the app has no wallet code: its sources name no wallet or signing library', async (t) => {
  const sources = readdirSync(exampleDir).filter((name) => name.endsWith('.ts'))
  t.ok(sources.includes('app.ts') && sources.includes('main.ts'), sources.join(', '))
  for (const name of sources) {
    const text = readFileSync(join(exampleDir, name), 'utf8')
    t.notMatch(text, /viem|ethers|siwe|personal_sign|window\.ethereum|eth_requestAccounts/i, name)
  }
  // The web app proper (not the launcher that starts the chain and the authority) imports only
  // Node, Fastify, @fastify/cookie, openid-client and its own files.
  const allowed = /^(node:.*|fastify|@fastify\/cookie|openid-client|\.\/[\w-]+\.js)$/
  for (const name of ['app.ts', 'sessions.ts', 'views.ts']) {
    const text = readFileSync(join(exampleDir, name), 'utf8')
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!)
    for (const specifier of specifiers) t.match(specifier, allowed, `${name} imports ${specifier}`)
  }
  t.match(readFileSync(join(exampleDir, 'app.ts'), 'utf8'), /from 'openid-client'/)
})

t.test('npm run example:oidc starts everything with one command and prints the URL', async (t) => {
  // Its own process group: npm, tsx and node under it are ended together by their group id.
  const child = spawn('npm', ['run', '--silent', 'example:oidc'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000)
  t.teardown(() => clearTimeout(killer))
  let output = ''
  const banner = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Stop with Ctrl+C.')) resolve(output)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    closed.then((code) => reject(new Error(`exited ${code} before printing its URL:\n${output}`)))
  })
  const appUrl = /Open\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(banner)?.[1]
  const issuer = /Authority\s+(http:\/\/\S+)/.exec(banner)?.[1]
  t.ok(appUrl, 'prints the app’s URL', { banner })
  t.ok(issuer, 'prints the authority’s issuer', { banner })
  const home = await fetch(`${appUrl}/`)
  t.equal(home.status, 200)
  t.match(await home.text(), /Sign in with your wallet/)
  const discovery = await fetch(`${issuer}/.well-known/openid-configuration`)
  t.equal(discovery.status, 200)
  t.equal(((await discovery.json()) as { issuer: string }).issuer, issuer)
  process.kill(-child.pid!, 'SIGTERM')
  await closed
})

await withChromium(t, async (browser) => {
  const example = await start({ port: 0 })
  t.teardown(() => example.close())
  const appOrigin = new URL(example.url).origin
  const authorityOrigin = new URL(example.issuer).origin
  const authorizePath = new URL(`${example.issuer}/oauth2/authorize`).pathname

  /**
   * A page whose `window.ethereum` is a wallet holding `wallet`'s key (on every origin: the app
   * never touches it, the authority's hosted page does). Like MetaMask, it hands out the address
   * in lower case. Every message it signs is recorded.
   */
  async function pageWithWallet(wallet: DemoWallet): Promise<{ page: Page; signed: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const signed = await injectWallet(page, privateKeyToAccount(wallet.privateKey), {
      chainId: example.demo.chain.chainId,
    })
    return { page, signed }
  }

  /** On the authority's hosted login page: click its button; the wallet signs; back on the app. */
  async function signAtAuthority(page: Page, signed: string[]): Promise<URL> {
    await page.waitForURL((url) => url.origin === authorityOrigin && url.pathname === authorizePath)
    const authorizeUrl = new URL(page.url())
    const before = signed.length
    await page.getByRole('button', { name: 'Sign in with wallet' }).click()
    await page.waitForURL((url) => url.origin === appOrigin && url.pathname !== '/callback')
    if (signed.length !== before + 1) throw new Error(`expected one signature, got ${signed.length - before}`)
    return authorizeUrl
  }

  /** The session the app keeps for `wallet` (the test reads its refresh token). */
  function sessionOf(wallet: DemoWallet) {
    return example.oidc.sessions
      .values()
      .find((s) => s.user?.walletAddress.toLowerCase() === wallet.address.toLowerCase())
  }

  /** The token endpoint, called as the app would: does this refresh token still work? */
  async function refreshWith(
    refreshToken: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${example.issuer}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${PROJECT.publishableKey}:${PROJECT.secretKey}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  t.test('the holder signs in through the authority, enters the members’ room, signs out', async (t) => {
    const { holder } = example.demo
    const { page, signed } = await pageWithWallet(holder)
    await page.goto(`${example.url}/`)
    t.equal(await page.locator('#status').textContent(), 'You are not signed in.')
    t.equal(await page.locator('script').count(), 0, 'the app’s pages run no script at all')

    await page.getByRole('link', { name: 'Sign in with your wallet' }).first().click()
    const login = await signAtAuthority(page, signed)
    t.equal(login.searchParams.get('client_id'), PROJECT.publishableKey)
    t.equal(login.searchParams.get('redirect_uri'), `${example.url}/callback`)
    t.equal(login.searchParams.get('code_challenge_method'), 'S256')
    t.equal(login.searchParams.get('scope'), 'openid profile offline_access')
    t.ok(login.searchParams.get('state') && login.searchParams.get('nonce'), 'state and nonce')
    t.notOk(login.searchParams.has('contractAddress'), 'a plain sign-in asks for no token')
    const authorityHost = new URL(example.issuer).host
    t.match(
      signed[0],
      new RegExp(
        `^${authorityHost} wants you to sign in with your Ethereum account:\n${holder.address}\n`,
        'i',
      ),
      'the wallet signs for the authority’s host',
    )

    t.equal(new URL(page.url()).pathname, '/', 'back on the app')
    t.match(await page.locator('#status').textContent(), /^Signed in as/)
    t.equal(
      (await page.locator('#wallet-address').textContent())?.toLowerCase(),
      holder.address.toLowerCase(),
    )
    const claims = await page.locator('#claims').textContent()
    t.match(claims, /walletAddress/)
    t.match(claims, /displayAddress/)
    const first = sessionOf(holder)
    t.equal(first?.user?.displayAddress, await page.locator('#display-address').textContent())
    const firstRefresh = first?.tokens?.refreshToken
    t.type(firstRefresh, 'string', 'offline_access: a refresh token, kept on the server')

    // The members' room: the app asks the authority for the requirement, the wallet signs again.
    await page.goto(`${example.url}/members`)
    const step = await signAtAuthority(page, signed)
    t.equal(step.searchParams.get('contractAddress'), example.demo.pass)
    t.equal(step.searchParams.get('minTokenBalance'), '1')
    t.equal(new URL(page.url()).pathname, '/members')
    await page.locator('#members').waitFor()
    t.match(await page.locator('#members').textContent(), /holds 1 Example Pass \(PASS\)/)
    mkdirSync(SCREENSHOT_DIR, { recursive: true })
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'oidc-client-members.png'), fullPage: true })

    t.equal((await refreshWith(firstRefresh!)).status, 400, 'the new sign-in revoked the previous session')
    const members = sessionOf(holder)
    t.not(members?.id, first?.id, 'a new session id at every sign-in')

    await page.getByRole('button', { name: 'Check again on chain' }).click()
    await page.locator('#members').waitFor()
    t.equal(new URL(page.url()).pathname, '/members', 'still a member: the refresh read the chain again')

    const refreshToken = sessionOf(holder)?.tokens?.refreshToken
    t.type(refreshToken, 'string')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.locator('#status', { hasText: 'You are not signed in.' }).waitFor()
    t.equal(sessionOf(holder), undefined, 'the session is gone')
    const after = await refreshWith(refreshToken!)
    t.equal(after.status, 400, 'logout revoked the refresh token at the authority')
    t.equal(after.body.error, 'invalid_grant')
    // Signed out: the members' room sends the browser to the authority to sign in again.
    await page.goto(`${example.url}/members`)
    t.equal(new URL(page.url()).origin, authorityOrigin, 'signed out: back to the authority to sign in')
  })

  t.test('a wallet without the PASS is signed in, but refused in the members’ room', async (t) => {
    const { outsider } = example.demo
    const { page, signed } = await pageWithWallet(outsider)
    await page.goto(`${example.url}/`)
    await page.getByRole('link', { name: 'Sign in with your wallet' }).first().click()
    await signAtAuthority(page, signed)
    t.equal(
      (await page.locator('#wallet-address').textContent())?.toLowerCase(),
      outsider.address.toLowerCase(),
    )

    await page.getByRole('link', { name: 'Members', exact: true }).click()
    await signAtAuthority(page, signed)
    t.equal(new URL(page.url()).pathname, '/members')
    const refused = await page.locator('#refused').textContent()
    t.match(refused, /Members only/)
    t.match(refused, /was refused/)
    t.match(await page.locator('#reason').textContent(), /tokens required/, 'the authority’s access_denied')
    t.equal(await page.locator('#members').count(), 0, 'no members’ content')
    t.match(await page.locator('#who').textContent(), /\S/, 'still signed in')
    const again = await page.goto(`${example.url}/members`)
    t.equal(again?.status(), 403)
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'oidc-client-refused.png'), fullPage: true })
  })

  t.test('a requirement stripped from the authorize URL does not become a membership', async (t) => {
    const { outsider } = example.demo
    const { page, signed } = await pageWithWallet(outsider)
    // The authorize URL passes through the browser: here the browser drops the requirement (the
    // signed request carrying it is answered by this route, never by the authority).
    let stripped = 0
    await page.route(
      (url) => url.pathname === authorizePath && url.searchParams.has('contractAddress'),
      async (route) => {
        const url = new URL(route.request().url())
        url.searchParams.delete('contractAddress')
        url.searchParams.delete('minTokenBalance')
        stripped += 1
        await route.fulfill({ status: 302, headers: { location: url.href } })
      },
    )
    await page.goto(`${example.url}/members`)
    await signAtAuthority(page, signed)
    t.ok(stripped > 0, 'the browser dropped the requirement before the authority saw the signed login')
    t.equal(new URL(page.url()).pathname, '/members')
    t.match(await page.locator('#reason').textContent(), /did not vouch for the requirement/)
    t.equal(await page.locator('#members').count(), 0)
  })

  t.test('the PASS given away: the next refresh re-reads the chain and the room refuses', async (t) => {
    const { holder, friend, pass, passId } = example.demo
    const { page, signed } = await pageWithWallet(holder)
    // Straight to the room, not signed in yet: one sign-in that asks for the requirement.
    await page.goto(`${example.url}/members`)
    await signAtAuthority(page, signed)
    await page.locator('#members').waitFor()

    await example.demo.chain.transferERC721(pass, holder.privateKey, friend.address, passId)
    await page.getByRole('button', { name: 'Check again on chain' }).click()
    await page.locator('#refused').waitFor()
    t.match(await page.locator('#reason').textContent(), /The authority ended the session/)
    t.equal(sessionOf(holder)?.tokens, undefined, 'no tokens left in the session')
  })
})
