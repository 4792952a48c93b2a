import { type Address, bytesToHex, type Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

/** The well-known Hardhat/Anvil/Foundry test mnemonic: its keys are public, never use them for value. */
export const DEFAULT_MNEMONIC = 'test test test test test test test test test test test junk'
/** The chain ID of the authority's built-in `localhost` chain. */
export const DEFAULT_CHAIN_ID = 1337

export interface DevChainAccount {
  address: Address
  privateKey: Hex
}

/** The first `count` accounts of `mnemonic` (m/44'/60'/0'/0/i): the ones a dev chain funds. */
export function mnemonicAccounts(mnemonic: string, count: number): DevChainAccount[] {
  return Array.from({ length: count }, (_, addressIndex) => {
    const account = mnemonicToAccount(mnemonic, { addressIndex })
    const key = account.getHdKey().privateKey
    if (!key) throw new Error(`no private key for account ${addressIndex} of the mnemonic`)
    return { address: account.address, privateKey: bytesToHex(key) }
  })
}
