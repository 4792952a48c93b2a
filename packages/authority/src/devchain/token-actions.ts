import { type Address, getAddress, type Hash, type Hex } from 'viem'
import { demoERC20Abi, demoERC721Abi, demoERC1155Abi } from './abis.js'
import { type ContractName, loadArtifacts } from './artifacts.js'
import type { DevClients, DevWalletClient } from './clients.js'

/**
 * Deploying and moving demo tokens. Every method resolves only once its transaction is mined and
 * succeeded, so a read right after sees the new state. A revert rejects with viem's decoded error.
 */
export interface TokenActions {
  deployERC20(opts?: { name?: string; symbol?: string; decimals?: number; from?: Hex }): Promise<Address>
  deployERC721(opts?: { name?: string; symbol?: string; from?: Hex }): Promise<Address>
  deployERC1155(opts?: { uri?: string; from?: Hex }): Promise<Address>
  /** A smart-contract wallet whose ERC-1271 signatures are `owner`'s ECDSA signatures. */
  deployERC1271Wallet(owner: Address, opts?: { from?: Hex }): Promise<Address>
  /** A hostile contract that answers every call with its calldata (security tests). */
  deployEchoWallet(opts?: { from?: Hex }): Promise<Address>
  /** A CREATE2 factory of DemoERC1271Wallet accounts (counterfactual addresses, EIP-6492). */
  deployAccountFactory(opts?: { from?: Hex }): Promise<Address>
  /** A hostile contract: every call (isValidSignature, balanceOf...) reverts with an OffchainLookup to `url`. */
  deployOffchainLookupWallet(url: string, opts?: { from?: Hex }): Promise<Address>

  /** Mints are open on the demo tokens; they are sent by the chain's first account. */
  mintERC20(token: Address, to: Address, amount: bigint): Promise<Hash>
  mintERC721(token: Address, to: Address, tokenId: bigint): Promise<Hash>
  mintERC1155(token: Address, to: Address, id: bigint, amount: bigint): Promise<Hash>

  transferERC20(token: Address, fromPrivateKey: Hex, to: Address, amount: bigint): Promise<Hash>
  /** Plain `transferFrom` (no receiver hook), so any address can receive. */
  transferERC721(token: Address, fromPrivateKey: Hex, to: Address, tokenId: bigint): Promise<Hash>
  transferERC1155(token: Address, fromPrivateKey: Hex, to: Address, id: bigint, amount: bigint): Promise<Hash>
}

export function createTokenActions(clients: DevClients, defaultSigner: Hex): TokenActions {
  const { publicClient, walletClient } = clients

  async function mined(hash: Hash): Promise<void> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
  }

  async function deploy(
    name: ContractName,
    args: readonly unknown[],
    from = defaultSigner,
  ): Promise<Address> {
    const { abi, bytecode } = loadArtifacts()[name]
    const hash = await walletClient(from).deployContract({ abi, bytecode, args })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new Error(`deploying ${name} failed in transaction ${hash}`)
    }
    // ganache reports it lowercase; checksum it like every other address viem hands back.
    return getAddress(receipt.contractAddress)
  }

  async function send(from: Hex, write: (wallet: DevWalletClient) => Promise<Hash>): Promise<Hash> {
    const hash = await write(walletClient(from))
    await mined(hash)
    return hash
  }

  return {
    deployERC20: ({ name = 'Demo Token', symbol = 'DEMO', decimals = 18, from } = {}) =>
      deploy('DemoERC20', [name, symbol, decimals], from),
    deployERC721: ({ name = 'Demo Pass', symbol = 'PASS', from } = {}) =>
      deploy('DemoERC721', [name, symbol], from),
    deployERC1155: ({ uri = '', from } = {}) => deploy('DemoERC1155', [uri], from),
    deployERC1271Wallet: (owner, { from } = {}) => deploy('DemoERC1271Wallet', [owner], from),
    deployEchoWallet: ({ from } = {}) => deploy('DemoEchoWallet', [], from),
    deployAccountFactory: ({ from } = {}) => deploy('DemoAccountFactory', [], from),
    deployOffchainLookupWallet: (url, { from } = {}) => deploy('DemoOffchainLookupWallet', [url], from),

    mintERC20: (token, to, amount) =>
      send(defaultSigner, (w) =>
        w.writeContract({ address: token, abi: demoERC20Abi, functionName: 'mint', args: [to, amount] }),
      ),
    mintERC721: (token, to, tokenId) =>
      send(defaultSigner, (w) =>
        w.writeContract({ address: token, abi: demoERC721Abi, functionName: 'mint', args: [to, tokenId] }),
      ),
    mintERC1155: (token, to, id, amount) =>
      send(defaultSigner, (w) =>
        w.writeContract({
          address: token,
          abi: demoERC1155Abi,
          functionName: 'mint',
          args: [to, id, amount],
        }),
      ),

    transferERC20: (token, fromPrivateKey, to, amount) =>
      send(fromPrivateKey, (w) =>
        w.writeContract({ address: token, abi: demoERC20Abi, functionName: 'transfer', args: [to, amount] }),
      ),
    transferERC721: (token, fromPrivateKey, to, tokenId) =>
      send(fromPrivateKey, (w) =>
        w.writeContract({
          address: token,
          abi: demoERC721Abi,
          functionName: 'transferFrom',
          args: [w.account.address, to, tokenId],
        }),
      ),
    transferERC1155: (token, fromPrivateKey, to, id, amount) =>
      send(fromPrivateKey, (w) =>
        w.writeContract({
          address: token,
          abi: demoERC1155Abi,
          functionName: 'safeTransferFrom',
          args: [w.account.address, to, id, amount, '0x'],
        }),
      ),
  }
}
