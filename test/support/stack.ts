/**
 * The real stack the plugin is tested against: an in-process EVM with a pass NFT (ERC-721) and
 * an ERC-20, the bundled authority reading that chain, and real wallets signing SIWE messages.
 */
import type { JWK } from 'jose'
import { generateSigningJwk, type RunningAuthority, startAuthority } from 'picket-authority'
import { PicketClient } from 'picket-core/client'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import type { AuthRequest, AuthResponse, RequirementsInput } from '../../packages/core/src/core/types.js'
import { type DevChain, startDevChain } from '../../tools/devchain/index.js'
import { prepareSiweLogin } from '../../tools/siwe-login.js'

export const PROJECT = {
  id: 'b2d7c3f0-6f4e-4d1a-9c33-5f0e2a8b7c61',
  name: 'Plugin Tests',
  publishableKey: 'pk_plugin_tests',
  secretKey: 'sk_plugin_tests',
  statement: 'Sign in to Plugin Tests',
  allowedDomains: ['localhost:3000'],
}
export const DOMAIN = 'localhost:3000'
/** Fixed so that a second authority sharing the key (fault tests) mints interchangeable tokens. */
export const ISSUER = 'http://picket.test/api/v1'

export interface Stack {
  chain: DevChain
  authority: RunningAuthority
  signingJwk: JWK
  pass: `0x${string}`
  coin: `0x${string}`
  /** Holds pass #1 and 100 coins. */
  holder: PrivateKeyAccount
  /** Holds nothing. */
  outsider: PrivateKeyAccount
  jwksUrl: string
  /** A client with the project's secret key, counting the requests it sends per path. */
  client: PicketClient
  calls: Map<string, number>
  /** nonce → SIWE message → signature → /auth, as a picket-js front end does. */
  login(account: PrivateKeyAccount, requirements?: RequirementsInput): Promise<AuthResponse>
  signedLoginBody(account: PrivateKeyAccount, issuedAt?: string): Promise<AuthRequest>
  close(): Promise<void>
}

export async function startStack(): Promise<Stack> {
  const chain = await startDevChain()
  const signingJwk = await generateSigningJwk()
  const authority = await startAuthority({
    port: 0,
    signingKey: signingJwk as never,
    issuer: ISSUER,
    projects: [PROJECT],
    chains: { localhost: { rpcUrl: chain.rpcUrl, chainId: chain.chainId } },
    warn: () => {},
  })
  const [deployer, holderKey, outsiderKey] = chain.accounts
  const holder = privateKeyToAccount(holderKey!.privateKey)
  const outsider = privateKeyToAccount(outsiderKey!.privateKey)
  const pass = await chain.deployERC721({ name: 'Pass', symbol: 'PASS', from: deployer!.privateKey })
  const coin = await chain.deployERC20({
    name: 'Coin',
    symbol: 'COIN',
    decimals: 18,
    from: deployer!.privateKey,
  })
  await chain.mintERC721(pass, holder.address, 1n)
  await chain.mintERC20(coin, holder.address, 100n * 10n ** 18n)

  const calls = new Map<string, number>()
  const client = new PicketClient(PROJECT.secretKey, {
    baseURL: authority.url,
    fetch: (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname.replace(
        '/api/v1',
        '',
      )
      calls.set(path, (calls.get(path) ?? 0) + 1)
      return fetch(input, init)
    },
  })

  const signedLoginBody = (account: PrivateKeyAccount, issuedAt?: string) =>
    prepareSiweLogin(client, account, {
      chain: 'localhost',
      chainId: chain.chainId,
      domain: DOMAIN,
      ...(issuedAt ? { issuedAt } : {}),
    })

  return {
    chain,
    authority,
    signingJwk,
    pass,
    coin,
    holder,
    outsider,
    jwksUrl: `${authority.url}/.well-known/jwks.json`,
    client,
    calls,
    signedLoginBody,
    async login(account, requirements) {
      const body = await signedLoginBody(account)
      return client.auth({ ...body, ...(requirements ? { requirements } : {}) })
    },
    async close() {
      await authority.close()
      await chain.close()
    },
  }
}
