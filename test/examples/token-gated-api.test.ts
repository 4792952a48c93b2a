/**
 * The token-gated API example, started as `npm start` starts it (on a free port): the page and
 * its assets, the startup banner, and the printed curl walkthrough run for real with bash.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { privateKeyToAccount } from 'viem/accounts'
import { start } from '../../examples/token-gated-api/app.js'
import { bundlePageScript } from '../../examples/token-gated-api/page.js'
import { startupBanner, walkthroughScript } from '../../examples/token-gated-api/walkthrough.js'

const run = promisify(execFile)
const repoRoot = new URL('../../', import.meta.url).pathname

const example = await start({ port: 0 })
t.teardown(() => example.close())

t.test('serves the sign-in page, its script and its config', async (t) => {
  const page = await fetch(`${example.url}/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  t.match(page.headers.get('content-security-policy'), /script-src 'self'/)
  t.match(await page.text(), /<script type="module" src="\/browser.js">/)

  const script = await fetch(`${example.url}/browser.js`)
  t.match(script.headers.get('content-type'), /javascript/)
  const code = await script.text()
  t.match(code, /wants you to sign in with your Ethereum account/, "core's SIWE builder is bundled in")
  t.equal(code, await bundlePageScript(), 'the bundle built at startup')

  const config = (await (await fetch(`${example.url}/example.json`)).json()) as Record<string, unknown>
  t.same(config.chain, 'localhost')
  t.same(config.chainId, 1337)
  t.same(
    (config.routes as { path: string }[]).map((r) => r.path),
    example.routes.map((r) => r.path),
  )
})

t.test('the authority is mounted at /api/v1 and the helper routes at /auth', async (t) => {
  const jwks = (await (await fetch(example.jwksUrl)).json()) as { keys: unknown[] }
  t.equal(jwks.keys.length, 1)
  const nonce = await fetch(`${example.url}/auth/nonce`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chain: 'localhost', walletAddress: example.demo.holder.address }),
  })
  t.equal(nonce.status, 200)
  t.equal(((await nonce.json()) as { format: string }).format, 'siwe')
})

t.test('a SIWE message for another site is refused at login', async (t) => {
  const { signLogin } = await import('../../examples/token-gated-api/siwe-login.js')
  const { holder } = example.demo
  const nonce = await (
    await fetch(`${example.url}/auth/nonce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chain: 'localhost', walletAddress: holder.address }),
    })
  ).json()
  const { body } = await signLogin({
    privateKey: holder.privateKey,
    nonce,
    appUrl: 'https://phishing.example',
    chain: 'localhost',
    chainId: 1337,
  })
  const login = await fetch(`${example.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  t.equal(login.status, 400)
  t.match(await login.text(), /phishing\.example' is not a site this server accepts logins for/)
})

t.test('the startup banner shows the URLs, both demo wallets with keys, and every route', async (t) => {
  const banner = startupBanner(example)
  t.match(banner, `${example.url}/`)
  t.match(banner, example.apiUrl)
  for (const wallet of [example.demo.holder, example.demo.outsider]) {
    t.match(banner, wallet.address)
    t.match(banner, wallet.privateKey)
  }
  for (const route of example.routes) t.match(banner, `GET ${route.path}`)
})

t.test('sign.ts --message prints the personal_sign signature', async (t) => {
  const { holder } = example.demo
  const { stdout } = await run(
    'npx',
    ['tsx', 'examples/token-gated-api/sign.ts', '--key', holder.privateKey, '--message', 'hello'],
    { cwd: repoRoot },
  )
  t.equal(stdout.trim(), await privateKeyToAccount(holder.privateKey).signMessage({ message: 'hello' }))
})

t.test('the printed curl walkthrough runs as printed', async (t) => {
  const { stdout, stderr } = await run('bash', ['-e', '-o', 'pipefail', '-c', walkthroughScript(example)], {
    cwd: repoRoot,
    timeout: 60_000,
  })
  const lines = stdout.split('\n')
  const jsonAnswers = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
  const welcomed = jsonAnswers.filter((a) => typeof a.message === 'string' && a.message.startsWith('Welcome'))
  t.same(
    welcomed.map((a) => a.route),
    [
      '/api/public',
      '/api/members',
      '/api/allowlist',
      '/api/pass-holders',
      '/api/pass-holders',
      '/api/pass-holders/live',
      '/api/members',
    ],
    'the routes that must let the caller in did',
  )
  const refused = jsonAnswers.filter((a) => typeof a.statusCode === 'number').map((a) => a.statusCode)
  t.same(refused, [401, 401, 403], 'no token, replayed login, outsider on the pass route')
  t.match(stdout, /picket-access-token: ey/i, 'the new token is visible in the headers')
  t.match(stderr, /wants you to sign in with your Ethereum account/, 'sign.ts shows the message it signs')
})
