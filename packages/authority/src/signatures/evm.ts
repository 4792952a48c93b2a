import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  HttpRequestError,
  hashMessage,
  isAddress,
  isAddressEqual,
  isHex,
  type PublicClient,
  parseAbi,
  recoverMessageAddress,
  TimeoutError,
} from 'viem'
import { chainUnavailable } from '../errors.js'

/**
 * ERC-1271: a contract wallet returns this magic value for a signature it accepts, ABI-encoded
 * as a bytes4, i.e. one 32-byte word: the selector followed by 28 zero bytes. The whole answer
 * is compared: a contract that echoes its calldata returns the selector in its first 4 bytes.
 */
const ERC1271_MAGIC_WORD = `0x1626ba7e${'0'.repeat(56)}`
const erc1271Abi = parseAbi([
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
])

export interface EvmSignatureInput {
  walletAddress: string
  message: string
  signature: string
  /** The chain's client; without one only EOA (ecrecover) signatures can be checked. */
  publicClient?: PublicClient | undefined
}

/**
 * EIP-191 `personal_sign` verification (reference §4.5). An EOA signature is checked locally
 * by ecrecover, with no RPC. Only when that fails and the chain has an RPC URL is the address
 * asked, as an ERC-1271 contract wallet, whether it accepts the signature.
 *
 * Returns false for any signature that does not verify; throws a 424 error only when the chain
 * could not be asked (so an RPC outage is never mistaken for a bad signature, nor for a pass).
 */
export async function verifyEvmSignature(input: EvmSignatureInput): Promise<boolean> {
  const { walletAddress, message, signature, publicClient } = input
  if (!isAddress(walletAddress, { strict: false }) || !isHex(signature, { strict: true })) return false
  const address = walletAddress as Address

  if (signature.length === 132) {
    try {
      const recovered = await recoverMessageAddress({ message, signature: signature as Hex })
      if (isAddressEqual(recovered, address)) return true
    } catch {
      // Malformed r/s/v: not an EOA signature; a contract wallet may still accept the bytes.
    }
  }
  if (!publicClient) return false
  return verifyErc1271Signature(publicClient, address, message, signature as Hex)
}

async function verifyErc1271Signature(
  client: PublicClient,
  address: Address,
  message: string,
  signature: Hex,
): Promise<boolean> {
  try {
    const code = await client.getCode({ address })
    if (!code || code === '0x') return false
    const { data } = await client.call({
      to: address,
      data: encodeFunctionData({
        abi: erc1271Abi,
        functionName: 'isValidSignature',
        args: [hashMessage(message), signature],
      }),
    })
    return data !== undefined && data.toLowerCase() === ERC1271_MAGIC_WORD
  } catch (error) {
    if (isTransportFailure(error)) {
      throw chainUnavailable('Could not reach the chain to verify a contract-wallet signature')
    }
    // A revert (or any answer that is not the magic value) means the wallet rejects it.
    return false
  }
}

function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  if (error.walk((e) => e instanceof ContractFunctionRevertedError)) return false
  return Boolean(error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
}
