import type { ChainType } from 'picket-core'
import type { PublicClient } from 'viem'
import { verifyEvmSignature } from './evm.js'
import type { Secp256k1Backend } from './secp256k1-backends.js'
import { verifySolanaSignature } from './solana.js'

export interface WalletSignatureInput {
  chainType: ChainType
  walletAddress: string
  message: string
  signature: string
  publicClient?: PublicClient | undefined
  /** EVM: the secp256k1 recovery chosen at start. */
  secp256k1?: Secp256k1Backend | undefined
}

/** Verifies a wallet's signature of `message` by the scheme of its chain type (§4.5). */
export async function verifyWalletSignature(input: WalletSignatureInput): Promise<boolean> {
  switch (input.chainType) {
    case 'ethereum':
      return verifyEvmSignature(input)
    case 'solana':
      return verifySolanaSignature(input)
    default:
      // Flow signs with account keys selected by a keyId the SDK never sends (§4.5): there is
      // no way to verify it, so it never verifies.
      return false
  }
}
