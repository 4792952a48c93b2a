import { type Address, formatUnits, type PublicClient } from 'viem'
import type { Requirements, TokenBalances } from '../../core/types.js'
import { withAbort } from './abort.js'
import { toEvmAddress } from './addresses.js'
import { ChainUnavailableError, InvalidRequirementError, UnsupportedTokenError } from './errors.js'
import type { EvmClients } from './evm-clients.js'
import { describeRpcFailure, isContractLevelFailure } from './evm-errors.js'
import type { ChainDefinition } from './registry.js'
import { balanceOfAbi, erc1155BalanceOfBatchAbi } from './token-abis.js'
import type { TokenStandard, TokenStandardDetector } from './token-standard.js'

export interface EvmBalanceDeps {
  clients: EvmClients
  detector: TokenStandardDetector
}

/**
 * EVM balances (§6.1): only `contractAddress` applies. The balance is reported under
 * `tokenBalances.contractAddress[<requirement string as received>]` (§2.11):
 * - ERC-20: `balanceOf(owner)` scaled by `decimals()`, a plain decimal string ("1.5", "100");
 * - ERC-721: `balanceOf(owner)`, the number of NFTs held;
 * - ERC-1155: the sum of the owner's balances of the listed `tokenIds` (deduplicated). The
 *   per-id amounts are deliberately *not* also reported under `tokenBalances.tokenIds`:
 *   picket-js' meetsAuthRequirements adds every category into one running total (§6.3), so
 *   reporting both would count each token twice and let a holder of 1 pass a minimum of 2.
 */
export async function readEvmBalances(
  deps: EvmBalanceDeps,
  chain: ChainDefinition,
  walletAddress: string,
  requirements: Requirements,
  signal?: AbortSignal,
): Promise<TokenBalances> {
  const requested = requirements.contractAddress
  if (requested === undefined) return {}
  const owner = toEvmAddress(chain.slug, walletAddress, 'wallet')
  const contract = toEvmAddress(chain.slug, requested, 'contract')
  const client = deps.clients.clientFor(chain)
  if (!client) throw new ChainUnavailableError(chain.slug, 'no rpcUrl configured')

  const standard = await deps.detector.detect(client, chain, contract, signal)
  const ids = standard.kind === 'erc1155' ? erc1155Ids(chain, contract, requirements.tokenIds) : []
  let balance: string
  try {
    balance = await withAbort(readBalance(client, standard, contract, owner, ids), signal, chain)
  } catch (err) {
    if (!isContractLevelFailure(err)) {
      if (err instanceof ChainUnavailableError) throw err
      throw new ChainUnavailableError(chain.slug, describeRpcFailure(err), { cause: err })
    }
    // It passed detection but its balance call reverts now (e.g. a proxy upgraded to something
    // else): forget the detection and report what the contract is today.
    deps.detector.forget(chain, contract)
    throw new UnsupportedTokenError(
      chain.slug,
      requested,
      `balance call failed for a detected ${standard.kind}`,
      {
        cause: err,
      },
    )
  }
  return { contractAddress: { [requested]: balance } }
}

async function readBalance(
  client: PublicClient,
  standard: TokenStandard,
  contract: Address,
  owner: Address,
  ids: readonly bigint[],
): Promise<string> {
  switch (standard.kind) {
    case 'erc20': {
      const units = await client.readContract({
        address: contract,
        abi: balanceOfAbi,
        functionName: 'balanceOf',
        args: [owner],
      })
      return formatUnits(units, standard.decimals)
    }
    case 'erc721': {
      const count = await client.readContract({
        address: contract,
        abi: balanceOfAbi,
        functionName: 'balanceOf',
        args: [owner],
      })
      return count.toString()
    }
    case 'erc1155': {
      if (ids.length === 0) return '0'
      // One balanceOfBatch (mandatory in EIP-1155) instead of a balanceOf per id.
      const amounts = await client.readContract({
        address: contract,
        abi: erc1155BalanceOfBatchAbi,
        functionName: 'balanceOfBatch',
        args: [ids.map(() => owner), [...ids]],
      })
      return amounts.reduce((sum, amount) => sum + amount, 0n).toString()
    }
  }
}

const UINT256_MAX = 2n ** 256n - 1n

/** ERC-1155 balances exist only per id, and a wallet's ids cannot be enumerated on chain. */
function erc1155Ids(
  chain: ChainDefinition,
  contract: Address,
  tokenIds: readonly string[] | undefined,
): bigint[] {
  if (tokenIds === undefined) {
    throw new InvalidRequirementError(
      chain.slug,
      `Contract ${contract} is an ERC1155 token: list the token ids to count in tokenIds`,
    )
  }
  const ids = new Set<bigint>()
  for (const id of tokenIds) {
    const value = /^(\d{1,78}|0x[0-9a-fA-F]{1,64})$/.test(id) ? BigInt(id) : -1n
    if (value < 0n || value > UINT256_MAX) {
      throw new InvalidRequirementError(chain.slug, `ERC1155 token id ${JSON.stringify(id)} is not a uint256`)
    }
    ids.add(value)
  }
  return [...ids]
}
