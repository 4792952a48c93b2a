/**
 * The sign-in page in a real browser: Debian's chromium driven by playwright-core, with an
 * EIP-1193 wallet injected as `window.ethereum` whose `personal_sign` is done in Node with a
 * demo key. The test clicks through the page as a person would and reads what it shows.
 * A screenshot of the holder's session is saved under test-output/.
 */
import { mkdirSync } from 'node:fs'
import { createSigningMessage } from 'picket-core'
import type { Page } from 'playwright-core'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { start } from '../../examples/token-gated-api/app.js'
import type { DemoWallet } from '../../examples/token-gated-api/demo-chain.js'
import { injectWallet, withChromium } from '../support/chromium.js'

const SCREENSHOT_DIR = new URL('../../test-output/', import.meta.url).pathname
const HOLDER_SCREENSHOT = `${SCREENSHOT_DIR}token-gated-api-holder.png`

await withChromium(t, async (browser) => {
  const example = await start({ port: 0 })
  t.teardown(() => example.close())

  /**
   * A page whose `window.ethereum` is a wallet holding `wallet`'s key. Like MetaMask, it hands
   * out the address in lower case. Every message it signs is recorded.
   */
  async function pageWithWallet(wallet: DemoWallet | undefined): Promise<{ page: Page; signed: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const signed = wallet
      ? await injectWallet(page, privateKeyToAccount(wallet.privateKey), { chainId: example.chainId })
      : []
    await page.goto(`${example.url}/`)
    return { page, signed }
  }

  async function signIn(page: Page): Promise<void> {
    await page.locator('#sign-in:enabled').click()
    await page.locator('#session').waitFor({ state: 'visible' })
  }

  /** Clicks a route's Call button and returns what the page shows as the answer. */
  async function callRoute(page: Page, path: string): Promise<string> {
    const row = page.locator(`tr[data-route="${path}"]`)
    const output = row.locator('output')
    await row.locator('button').click()
    await output.filter({ hasNotText: '…' }).filter({ hasText: /\S/ }).waitFor()
    return (await output.textContent()) ?? ''
  }

  t.test('the holder signs in with the wallet and passes the gates', async (t) => {
    const { holder } = example.demo
    const { page, signed } = await pageWithWallet(holder)
    // The page's script sets this once it has loaded its config: wait for it, do not race it.
    await page
      .locator('#wallet-status', { hasText: 'Wallet found. Sign in to call the gated routes.' })
      .waitFor()

    t.match(await callRoute(page, '/api/members'), /^401 Unauthorized/, 'before signing in')
    await signIn(page)
    t.equal(await page.locator('#session-wallet').textContent(), holder.address)

    t.equal(signed.length, 1, 'one personal_sign')
    const message = signed[0]!
    const host = new URL(example.url).host
    t.match(
      message,
      new RegExp(
        `^${host} wants you to sign in with your Ethereum account:\n${holder.address.toLowerCase()}\n`,
      ),
    )
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(message)?.[1]
    t.equal(
      message,
      createSigningMessage({
        format: 'siwe',
        statement: 'Sign in to the fastify-picket example',
        walletAddress: holder.address.toLowerCase(),
        nonce: field('Nonce')!,
        domain: host,
        uri: example.url,
        chainId: example.chainId,
        issuedAt: field('Issued At')!,
      }),
      "byte-identical to core's createSigningMessage",
    )
    t.equal(await page.locator('#signed-message').textContent(), message, 'the page shows what was signed')

    t.match(await callRoute(page, '/api/public'), /^200 OK — Welcome, anyone/)
    t.match(await callRoute(page, '/api/members'), /^200 OK — Welcome, any signed-in wallet/)
    const pass = await callRoute(page, '/api/pass-holders')
    t.match(pass, /^200 OK — Welcome, holders of the PASS NFT/)
    t.match(pass, /new token received \(picket-access-token\) and kept/, 'incremental authorization')
    t.match(await page.locator('#session-balances').textContent(), `contractAddress ${example.demo.pass}: 1`)
    t.match(await callRoute(page, '/api/coin-holders'), /^200 OK — Welcome, wallets with at least 50 COIN/)
    t.match(await callRoute(page, '/api/allowlist'), /^200 OK — Welcome, listed wallets only/)
    t.match(
      await callRoute(page, '/api/pass-holders/live'),
      /^200 OK — Welcome, holders of the PASS right now/,
    )

    mkdirSync(SCREENSHOT_DIR, { recursive: true })
    await page.screenshot({ path: HOLDER_SCREENSHOT, fullPage: true })
  })

  t.test('a wallet without the pass is signed in but refused by the pass gates', async (t) => {
    const { outsider } = example.demo
    const { page } = await pageWithWallet(outsider)
    await signIn(page)
    t.match(await callRoute(page, '/api/members'), /^200 OK/)
    t.match(
      await callRoute(page, '/api/pass-holders'),
      /^403 Forbidden — Access denied: the wallet does not hold the tokens this route requires/,
    )
    t.match(await callRoute(page, '/api/allowlist'), /^403 Forbidden — Access denied/)
    await page.screenshot({ path: `${SCREENSHOT_DIR}token-gated-api-outsider.png`, fullPage: true })
  })

  t.test('without a wallet extension the page says so and keeps the button disabled', async (t) => {
    const { page } = await pageWithWallet(undefined)
    await page.locator('#wallet-status', { hasText: 'No wallet found' }).waitFor()
    t.ok(await page.locator('#sign-in').isDisabled())
    t.match(await callRoute(page, '/api/public'), /^200 OK/)
  })
})
