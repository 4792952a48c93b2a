/**
 * Real-browser tests: Debian's chromium driven by playwright-core, and an EIP-1193 wallet
 * injected as `window.ethereum` whose `personal_sign` is done in Node with a viem account.
 */
import { existsSync } from 'node:fs'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { type Hex, hexToString } from 'viem'
import type { LocalAccount } from 'viem/accounts'

/** Debian's chromium (`apt-get install -y chromium`); playwright-core downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium'

/** Headless in a container, and quiet: no sandbox, no GPU, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/**
 * Launches chromium, closed at `t`'s teardown. When it is not installed, fails `t` with the
 * command that installs it and resolves to `undefined`: the caller skips its browser tests.
 */
export async function launchChromium(t: Test): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`)
    return undefined
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
  })
  t.teardown(() => browser.close())
  return browser
}

/**
 * Runs `body` with a launched chromium (closed at `t`'s teardown); when chromium is not
 * installed, `t` fails with the install command instead and `body` does not run.
 */
export async function withChromium(t: Test, body: (browser: Browser) => Promise<void>): Promise<void> {
  const browser = await launchChromium(t)
  if (browser) await body(browser)
}

export interface WalletOptions {
  /** The chain the wallet says it is on (`eth_chainId`). */
  chainId: number | bigint
  /** Where the signed messages are pushed; a new list when omitted. */
  record?: string[]
}

/**
 * Gives every page of `target` (a context, or one page) a `window.ethereum` holding `account`'s
 * key. Like MetaMask, it hands out the address in lower case; `personal_sign` is done in Node.
 * Call it before the page loads. Resolves to the list of messages it signs, in order.
 */
export async function injectWallet(
  target: BrowserContext | Page,
  account: LocalAccount,
  options: WalletOptions,
): Promise<string[]> {
  const signed = options.record ?? []
  // Page and BrowserContext declare these two methods alike.
  const scope = target as Pick<BrowserContext, 'exposeFunction' | 'addInitScript'>
  await scope.exposeFunction('__walletSign', async (hexMessage: Hex) => {
    signed.push(hexToString(hexMessage))
    return account.signMessage({ message: { raw: hexMessage } })
  })
  await scope.addInitScript(
    ({ address, chainId }) => {
      const sign = (window as unknown as { __walletSign(m: string): Promise<string> }).__walletSign
      ;(window as unknown as { ethereum: unknown }).ethereum = {
        isTestWallet: true,
        async request({ method, params }: { method: string; params?: unknown[] }) {
          switch (method) {
            case 'eth_requestAccounts':
            case 'eth_accounts':
              return [address]
            case 'eth_chainId':
              return chainId
            case 'personal_sign': {
              const [message, from] = params as [string, string]
              if (from.toLowerCase() !== address) throw new Error('unknown account')
              return sign(message)
            }
            default:
              throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 })
          }
        },
      }
    },
    { address: account.address.toLowerCase(), chainId: `0x${options.chainId.toString(16)}` },
  )
  return signed
}
