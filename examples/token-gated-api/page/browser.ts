/**
 * The page's script (bundled by page.ts). Sign in with Ethereum through an EIP-1193 wallet
 * (`window.ethereum`): nonce → SIWE message → `personal_sign` → login; then call the gated
 * routes with the access token and show what they answer.
 */
import { createSigningMessage } from '../../../packages/core/src/core/signing-message.js'

/** The part of EIP-1193 this page uses. */
interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider
  }
}

interface ExampleConfig {
  chain: string
  chainId: number
  routes: { path: string; who: string; how: string }[]
}

interface Answer {
  status: number
  statusText: string
  body: Record<string, unknown>
  newToken: string | null
}

/** Response header carrying a token minted by incremental authorization or revalidation. */
const NEW_TOKEN_HEADER = 'picket-access-token'

/** The access token lives in memory only: a reload signs out. */
let accessToken: string | null = null

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`#${id} is missing from the page`)
  return found as T
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (accessToken) headers.authorization = `Bearer ${accessToken}`
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    parsed = { message: text }
  }
  return {
    status: response.status,
    statusText: response.statusText,
    body: parsed,
    newToken: response.headers.get(NEW_TOKEN_HEADER),
  }
}

/** `personal_sign` takes the message as hex-encoded UTF-8. */
function utf8Hex(text: string): string {
  return `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')}`
}

function tokenClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
}

function describeBalances(balances: unknown): string {
  const lines: string[] = []
  for (const [category, entries] of Object.entries(
    (balances ?? {}) as Record<string, Record<string, string>>,
  )) {
    for (const [key, amount] of Object.entries(entries)) lines.push(`${category} ${key}: ${amount}`)
  }
  return lines.length > 0 ? lines.join('\n') : 'none yet (routes with incremental authorization add them)'
}

function showSession(): void {
  const signedIn = accessToken !== null
  element('session').hidden = !signedIn
  element('sign-out').hidden = !signedIn
  if (!accessToken) return
  const claims = tokenClaims(accessToken)
  element('session-wallet').textContent = String(claims.walletAddress)
  element('session-balances').textContent = describeBalances(claims.tokenBalances)
  element('session-expires').textContent = new Date(Number(claims.exp) * 1000).toLocaleString()
}

function describeAnswer(answer: Answer): string {
  const headline = `${answer.status} ${answer.statusText}`
  const message = answer.body.message ?? answer.body.msg
  return typeof message === 'string' ? `${headline} — ${message}` : headline
}

async function signIn(config: ExampleConfig, ethereum: Eip1193Provider): Promise<void> {
  const status = element('wallet-status')
  const accounts = (await ethereum.request({ method: 'eth_requestAccounts' })) as string[]
  const walletAddress = accounts[0]
  if (!walletAddress) throw new Error('the wallet shared no account')

  status.textContent = `Getting a nonce for ${walletAddress}…`
  const nonce = await call('POST', '/auth/nonce', { chain: config.chain, walletAddress })
  if (nonce.status !== 200) throw new Error(describeAnswer(nonce))

  // The SIWE domain is the host this page was loaded from: the server only accepts its own.
  const context = {
    domain: location.host,
    uri: location.origin,
    issuedAt: new Date().toISOString(),
    chainId: config.chainId,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({
    format: nonce.body.format as 'siwe' | 'simple',
    statement: String(nonce.body.statement),
    nonce: String(nonce.body.nonce),
    walletAddress,
    ...context,
  })
  element('signed-message').textContent = message
  element('signed-message-details').hidden = false

  status.textContent = 'Waiting for your wallet to sign…'
  const signature = await ethereum.request({
    method: 'personal_sign',
    params: [utf8Hex(message), walletAddress],
  })
  const login = await call('POST', '/auth/login', { chain: config.chain, walletAddress, signature, context })
  if (login.status !== 200) throw new Error(describeAnswer(login))
  accessToken = String(login.body.accessToken)
  status.textContent = `Signed in as ${walletAddress}.`
  showSession()
}

function renderRoutes(config: ExampleConfig): void {
  const tbody = element('routes')
  for (const route of config.routes) {
    const row = document.createElement('tr')
    row.dataset.route = route.path
    const path = document.createElement('td')
    path.innerHTML = '<code></code>'
    path.firstElementChild!.textContent = `GET ${route.path}`
    const who = document.createElement('td')
    who.textContent = route.who
    const how = document.createElement('small')
    how.className = 'how'
    how.textContent = route.how
    who.append(how)
    const action = document.createElement('td')
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'secondary'
    button.textContent = 'Call'
    action.append(button)
    const result = document.createElement('td')
    const output = document.createElement('output')
    result.append(output)
    row.append(path, who, action, result)
    tbody.append(row)

    button.addEventListener('click', async () => {
      output.className = ''
      output.textContent = '…'
      try {
        const answer = await call('GET', route.path)
        let text = describeAnswer(answer)
        if (answer.newToken) {
          // Incremental authorization / revalidation minted a token that carries the balance.
          accessToken = answer.newToken
          text += '\n↻ new token received (picket-access-token) and kept'
          showSession()
        }
        output.className = answer.status === 200 ? 'allowed' : 'denied'
        output.textContent = text
      } catch (error) {
        output.className = 'denied'
        output.textContent = String(error)
      }
    })
  }
}

async function main(): Promise<void> {
  const config = (await (await fetch('/example.json')).json()) as ExampleConfig
  renderRoutes(config)

  const status = element('wallet-status')
  const signInButton = element<HTMLButtonElement>('sign-in')
  const ethereum = window.ethereum
  if (!ethereum) {
    status.className = 'notice'
    status.textContent =
      'No wallet found (window.ethereum). Install a wallet extension and import the holder key that npm start printed.'
    return
  }
  status.textContent = 'Wallet found. Sign in to call the gated routes.'
  signInButton.disabled = false
  signInButton.addEventListener('click', async () => {
    signInButton.disabled = true
    try {
      await signIn(config, ethereum)
    } catch (error) {
      status.className = 'notice'
      status.textContent = `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`
    } finally {
      signInButton.disabled = false
    }
  })
  element('sign-out').addEventListener('click', async () => {
    await call('POST', '/auth/logout')
    accessToken = null
    status.className = ''
    status.textContent = 'Signed out.'
    showSession()
  })
}

main().catch((error: unknown) => {
  element('wallet-status').textContent = `The page failed to start: ${String(error)}`
})
