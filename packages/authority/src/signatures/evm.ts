import {
  type Address,
  BaseError,
  bytesToHex,
  encodeDeployData,
  encodeFunctionData,
  erc6492SignatureValidatorAbi,
  erc6492SignatureValidatorByteCode,
  getAddress,
  type Hex,
  hashMessage,
  hexToBytes,
  isAddress,
  isErc6492Signature,
  isHex,
  type PublicClient,
  parseAbi,
} from 'viem'
import { call } from 'viem/actions'
import { ChainError } from '../chains/errors.js'
import { isContractLevelFailure } from '../chains/evm-errors.js'
import { chainUnavailable } from '../errors.js'
import { nobleBackend, recoverEvmAddress, type Secp256k1Backend } from './secp256k1-backends.js'

/**
 * ERC-1271: a contract wallet returns this magic value for a signature it accepts, ABI-encoded
 * as a bytes4, i.e. one 32-byte word: the selector followed by 28 zero bytes. The whole answer
 * is compared: a contract that echoes its calldata returns the selector in its first 4 bytes.
 */
const ERC1271_MAGIC_WORD = `0x1626ba7e${'0'.repeat(56)}`
const erc1271Abi = parseAbi([
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
])
/** What the EIP-6492 universal validator's constructor returns (one byte) for a valid signature. */
const ERC6492_VALID = '0x01'

export interface EvmSignatureInput {
  walletAddress: string
  message: string
  signature: string
  /**
   * The client of the chain the message names (its chain ID is checked against the login's chain
   * before this runs); without one only EOA (ecrecover) signatures can be checked.
   */
  publicClient?: PublicClient | undefined
  /** The secp256k1 recovery chosen at start (`signatureBackend`); @noble/curves when not given. */
  secp256k1?: Secp256k1Backend | undefined
}

/** Without a chosen backend (direct callers, tests): JavaScript, which always loads. */
const DEFAULT_BACKEND = nobleBackend()

/**
 * EIP-191 `personal_sign` verification (reference §4.5) for every kind of wallet, in this order:
 *   1. an ordinary wallet (EOA): ecrecover, locally, with no RPC call;
 *   2. a deployed contract wallet (Safe, a deployed smart account): ERC-1271 `isValidSignature`
 *      on the chain, when the address has code;
 *   3. a counterfactual account (EIP-6492-wrapped signature, e.g. a Coinbase Smart Wallet before
 *      its first transaction): the deployless universal validator in one `eth_call`, which runs
 *      the account's factory and then asks the account — nothing is deployed on chain;
 *   4. otherwise refused.
 *
 * Returns false for any signature that does not verify; throws a 424 error only when the chain
 * could not be asked (so an RPC outage is never mistaken for a bad signature, nor for a pass).
 */
export async function verifyEvmSignature(input: EvmSignatureInput): Promise<boolean> {
  const { walletAddress, message, signature, publicClient } = input
  if (!isAddress(walletAddress, { strict: false }) || !isHex(signature, { strict: true })) return false
  // One EIP-191 hash per login, as bytes for recovery; hex only when a chain is asked.
  const hash = hashMessage(message, 'bytes')

  // r ‖ s ‖ v: 65 bytes. A 6492 wrapper ends in its 32-byte magic suffix, never at this length.
  if (signature.length === 132) {
    const backend = input.secp256k1 ?? DEFAULT_BACKEND
    // undefined for malformed r/s/v: not an EOA signature; a contract wallet may still accept the bytes.
    const signer = recoverEvmAddress(backend, hash, hexToBytes(signature))
    if (signer !== undefined && signer === walletAddress.toLowerCase()) return true
  }
  if (!publicClient) return false
  const address = getAddress(walletAddress.toLowerCase())
  const hashHex = bytesToHex(hash)
  if (isErc6492Signature(signature)) return verifyErc6492Signature(publicClient, address, hashHex, signature)
  return verifyErc1271Signature(publicClient, address, hashHex, signature)
}

async function verifyErc1271Signature(
  client: PublicClient,
  address: Address,
  hash: Hex,
  signature: Hex,
): Promise<boolean> {
  return askChain(async () => {
    const code = await client.getCode({ address })
    if (!code || code === '0x') return false
    const { data } = await call(withoutCcipRead(client), {
      to: address,
      data: encodeFunctionData({
        abi: erc1271Abi,
        functionName: 'isValidSignature',
        args: [hash, signature],
      }),
    })
    return data !== undefined && data.toLowerCase() === ERC1271_MAGIC_WORD
  })
}

/**
 * EIP-6492: `signature` is abi.encode(factory, factoryCalldata, innerSignature) ++ 0x6492…6492.
 * The universal validator's creation code, sent as an `eth_call` without `to`, deploys nothing:
 * its constructor calls the factory when the account has no code yet, asks the account through
 * ERC-1271 (or ecrecovers when the signer is an EOA), and returns one byte. viem's `verifyHash`
 * does the same, but maps every failed call, an unreachable RPC included, to "invalid": the call
 * is made here so that a transport failure stays a 424.
 */
async function verifyErc6492Signature(
  client: PublicClient,
  address: Address,
  hash: Hex,
  signature: Hex,
): Promise<boolean> {
  return askChain(async () => {
    const { data } = await call(withoutCcipRead(client), {
      data: encodeDeployData({
        abi: erc6492SignatureValidatorAbi,
        bytecode: erc6492SignatureValidatorByteCode,
        args: [address, hash, signature],
      }),
    })
    return data === ERC6492_VALID
  })
}

/**
 * EIP-3668 CCIP-Read off: a contract wallet's `isValidSignature` could revert with an
 * OffchainLookup naming any URL, and a client that follows it sends this server's HTTP request
 * wherever the wallet says. No signature check needs an off-chain answer.
 */
function withoutCcipRead(client: PublicClient): PublicClient {
  return { ...client, ccipRead: false } as PublicClient
}

/** A chain question whose revert means "no" and whose transport failure is a 424. */
async function askChain(question: () => Promise<boolean>): Promise<boolean> {
  try {
    return await question()
  } catch (error) {
    // A revert (or any answer that is not the magic value) means the wallet rejects it.
    if (isContractLevelFailure(error)) return false
    // Raised by the chain transport itself: every endpoint paused (503 + Retry-After), an
    // endpoint serving another chain — reported as such, never as a bad signature.
    const own = error instanceof BaseError ? error.walk((e) => e instanceof ChainError) : null
    if (own instanceof ChainError) throw own
    // Anything else is the chain not answering: 424, never "Invalid signature" (401).
    throw chainUnavailable('Could not reach the chain to verify a contract-wallet signature')
  }
}
