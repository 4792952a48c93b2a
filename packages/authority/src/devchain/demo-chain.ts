import type { Address } from 'viem'
import { DEFAULT_CHAIN_ID, DEFAULT_MNEMONIC, type DevChainAccount, mnemonicAccounts } from './accounts.js'
import { startAnvil } from './anvil.js'
import { createDevClients } from './clients.js'
import { createTokenActions } from './token-actions.js'

/** 10^18: one whole COIN (18 decimals). */
const COIN = 10n ** 18n
/** The ERC-1155 token id of the demo item. */
export const DEMO_ITEM_ID = 1n

export interface DemoChainOptions {
  /** Defaults to 8545, where the authority's built-in `localhost` chain looks; 0 picks a free port. */
  port?: number
  /** Wallets that get what the holder gets (a PASS of their own, 100 COIN, one item). */
  mint?: readonly Address[]
}

export interface DemoWallet extends DevChainAccount {
  /** What the wallet holds, in words. */
  holds: string
}

export interface DemoChain {
  rpcUrl: string
  chainId: number
  /** The demo tokens, deployed by `deployer` in this order, so their addresses never change. */
  tokens: { pass: Address; coin: Address; items: Address }
  /** Account 0 of the mnemonic: deployed the tokens; 10,000 ETH. */
  deployer: DevChainAccount
  /** Account 1: PASS #1, 100 COIN, one item. */
  holder: DemoWallet
  /** Account 2: 10 COIN, no PASS. */
  outsider: DemoWallet
  /** The `mint` wallets, with the PASS id each got (#2, #3 …). */
  minted: { address: Address; passId: bigint }[]
  /** Resolves when the chain's process has exited (after `close`, or on its own). */
  exited: Promise<void>
  /** Stops the chain and frees the port. Safe to call more than once. */
  close(): Promise<void>
}

/**
 * A local EVM (anvil) on 127.0.0.1 with the demo tokens of the repository's examples: an ERC-721
 * pass, an ERC-20 coin (18 decimals) and an ERC-1155 item, owned by the test mnemonic's accounts
 * 1 and 2 and by any wallet in `mint`. Funded from a public mnemonic: loopback only, dev only.
 */
export async function startDemoChain(options: DemoChainOptions = {}): Promise<DemoChain> {
  const accounts = mnemonicAccounts(DEFAULT_MNEMONIC, 3)
  const [deployer, holder, outsider] = accounts as [DevChainAccount, DevChainAccount, DevChainAccount]
  const anvil = await startAnvil({
    host: '127.0.0.1',
    port: options.port ?? 8545,
    chainId: DEFAULT_CHAIN_ID,
    mnemonic: DEFAULT_MNEMONIC,
    accounts: 10,
  })
  try {
    const tokens = createTokenActions(createDevClients(anvil.rpcUrl, DEFAULT_CHAIN_ID), deployer.privateKey)
    const pass = await tokens.deployERC721({ name: 'Demo Pass', symbol: 'PASS' })
    const coin = await tokens.deployERC20({ name: 'Demo Coin', symbol: 'COIN', decimals: 18 })
    const items = await tokens.deployERC1155({ uri: '' })

    const giveAll = async (to: Address, passId: bigint) => {
      await tokens.mintERC721(pass, to, passId)
      await tokens.mintERC20(coin, to, 100n * COIN)
      await tokens.mintERC1155(items, to, DEMO_ITEM_ID, 1n)
    }
    await giveAll(holder.address, 1n)
    await tokens.mintERC20(coin, outsider.address, 10n * COIN)
    const minted = (options.mint ?? []).map((address, i) => ({ address, passId: BigInt(i + 2) }))
    for (const { address, passId } of minted) await giveAll(address, passId)

    return {
      rpcUrl: anvil.rpcUrl,
      chainId: DEFAULT_CHAIN_ID,
      tokens: { pass, coin, items },
      deployer,
      holder: { ...holder, holds: `PASS #1, 100 COIN, 1 item #${DEMO_ITEM_ID}` },
      outsider: { ...outsider, holds: '10 COIN, no PASS' },
      minted,
      exited: anvil.exited,
      close: anvil.close,
    }
  } catch (error) {
    await anvil.close()
    throw error
  }
}
