/**
 * The example's on-chain world: an in-process EVM on 127.0.0.1 with a "pass" NFT (ERC-721) and a
 * coin (ERC-20), and three wallets from the public test mnemonic. Deploy order is fixed, so the
 * addresses are the same on every start.
 */
import type { Address, Hex } from 'viem'
import { type DevChain, startDevChain } from '../../tools/devchain/index.js'

export interface DemoWallet {
  /** What the wallet is for in the story. */
  role: string
  address: Address
  privateKey: Hex
}

export interface DemoChain {
  chain: DevChain
  /** The pass NFT (ERC-721); the holder owns #1. */
  pass: Address
  /** The coin (ERC-20, 18 decimals); the holder owns 100, the outsider 10. */
  coin: Address
  /** The id of the holder's pass. */
  passId: bigint
  holder: DemoWallet
  outsider: DemoWallet
  /** Receives the holder's pass in the demo's last act. */
  friend: DemoWallet
}

const COIN = 10n ** 18n

export async function startDemoChain(options: { port?: number } = {}): Promise<DemoChain> {
  const chain = await startDevChain({ port: options.port ?? 0, accounts: 4 })
  try {
    const [, holder, outsider, friend] = chain.accounts
    const pass = await chain.deployERC721({ name: 'Example Pass', symbol: 'PASS' })
    const coin = await chain.deployERC20({ name: 'Example Coin', symbol: 'COIN', decimals: 18 })
    const passId = 1n
    await chain.mintERC721(pass, holder!.address, passId)
    await chain.mintERC20(coin, holder!.address, 100n * COIN)
    await chain.mintERC20(coin, outsider!.address, 10n * COIN)
    return {
      chain,
      pass,
      coin,
      passId,
      holder: { role: 'holds PASS #1 and 100 COIN; on the allowlist', ...holder! },
      outsider: { role: 'holds 10 COIN and no pass', ...outsider! },
      friend: { role: 'receives the pass in the demo', ...friend! },
    }
  } catch (error) {
    await chain.close()
    throw error
  }
}
