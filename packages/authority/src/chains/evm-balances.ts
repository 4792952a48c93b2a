import type { Requirements, TokenBalances, TokenIdBalances } from 'picket-core'
import { tokenIdKey } from 'picket-core'
import { type Address, formatUnits, isAddressEqual, type PublicClient } from 'viem'
import { throwIfAborted, withAbort } from './abort.js'
import { toEvmAddress } from './addresses.js'
import type { BalanceReading } from './balance-reading.js'
import { mapLimited, type ReadLimits } from './concurrency.js'
import { ChainUnavailableError, InvalidRequirementError, UnsupportedTokenError } from './errors.js'
import type { EvmClients } from './evm-clients.js'
import { describeRpcFailure, isContractLevelFailure } from './evm-errors.js'
import type { ChainDefinition } from './registry.js'
import { balanceOfAbi, erc721OwnerOfAbi, erc1155BalanceOfBatchAbi } from './token-abis.js'
import type { TokenStandard, TokenStandardDetector } from './token-standard.js'

export interface EvmBalanceDeps {
  clients: EvmClients
  detector: TokenStandardDetector
  /** Every RPC call goes through `run` (the reader's pool); a request runs `perRequest` at once. */
  limits?: ReadLimits
}

const UNLIMITED: ReadLimits = { run: (call) => call(), perRequest: Number.POSITIVE_INFINITY }

/**
 * EVM balances (§6.1): only `contractAddress` applies. The balance is reported under
 * `tokenBalances.contractAddress[<requirement string as received>]` (§2.11):
 * - ERC-20: `balanceOf(owner)` scaled by `decimals()`, a plain decimal string ("1.5", "100");
 *   `tokenIds` are refused (fungible tokens have none);
 * - ERC-721: `balanceOf(owner)`, the number of NFTs held; with `tokenIds`, the number of those
 *   ids the owner holds, each asked with `ownerOf(id)`;
 * - ERC-1155: the sum of the owner's balances of the listed `tokenIds` (deduplicated), from one
 *   `balanceOfBatch`.
 * With `tokenIds`, the per-id amounts are also returned as `tokenIdBalances` (this package's
 * own claim), so a token proves which ids were held; they are deliberately *not* reported under
 * Picket's `tokenBalances.tokenIds`: picket-js adds every category into one running total
 * (§6.3), so reporting both would count each token twice.
 */
export async function readEvmBalances(
  deps: EvmBalanceDeps,
  chain: ChainDefinition,
  walletAddress: string,
  requirements: Requirements,
  signal?: AbortSignal,
): Promise<BalanceReading> {
  const requested = requirements.contractAddress
  if (requested === undefined) return { tokenBalances: {} }
  const owner = toEvmAddress(chain.slug, walletAddress, 'wallet')
  const contract = toEvmAddress(chain.slug, requested, 'contract')
  const client = deps.clients.clientFor(chain)
  if (!client) throw new ChainUnavailableError(chain.slug, 'no rpcUrl configured')

  const limits = deps.limits ?? UNLIMITED
  // Detection (a few calls, cached per contract) takes one slot of the pool like any read.
  const standard = await limits.run(() => deps.detector.detect(client, chain, contract, signal))
  const ids = tokenIds(chain, contract, standard, requirements.tokenIds)
  let perId: Map<string, bigint> | undefined
  let balance: string
  try {
    if (ids === undefined) {
      balance = await withAbort(
        limits.run(() => readWholeBalance(client, standard, contract, owner)),
        signal,
        chain,
      )
    } else {
      const stopped = () => throwIfAborted(signal, chain)
      perId = await withAbort(
        readIdBalances(client, standard, contract, owner, ids, limits, stopped),
        signal,
        chain,
      )
      balance = [...perId.values()].reduce((sum, amount) => sum + amount, 0n).toString()
    }
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
  const tokenBalances: TokenBalances = { contractAddress: { [requested]: balance } }
  if (!perId) return { tokenBalances }
  const tokenIdBalances: TokenIdBalances = {
    [contract.toLowerCase()]: Object.fromEntries([...perId].map(([id, amount]) => [id, amount.toString()])),
  }
  return { tokenBalances, tokenIdBalances }
}

async function readWholeBalance(
  client: PublicClient,
  standard: TokenStandard,
  contract: Address,
  owner: Address,
): Promise<string> {
  const units = await client.readContract({
    address: contract,
    abi: balanceOfAbi,
    functionName: 'balanceOf',
    args: [owner],
  })
  return standard.kind === 'erc20' ? formatUnits(units, standard.decimals) : units.toString()
}

/** Balance of each id (keyed by its decimal form): ERC-1155 in one call, ERC-721 by ownership. */
async function readIdBalances(
  client: PublicClient,
  standard: TokenStandard,
  contract: Address,
  owner: Address,
  ids: ReadonlyMap<string, bigint>,
  limits: ReadLimits,
  stopped: () => void,
): Promise<Map<string, bigint>> {
  const keys = [...ids.keys()]
  const values = [...ids.values()]
  // An empty list is a requirement no one meets (fail closed), not a call with no ids.
  if (values.length === 0) return new Map()
  if (standard.kind === 'erc1155') {
    // One balanceOfBatch (mandatory in EIP-1155) instead of a balanceOf per id.
    const amounts = await limits.run(() =>
      client.readContract({
        address: contract,
        abi: erc1155BalanceOfBatchAbi,
        functionName: 'balanceOfBatch',
        args: [values.map(() => owner), values],
      }),
    )
    if (amounts.length !== values.length)
      throw new Error('balanceOfBatch answered the wrong number of balances')
    return new Map(keys.map((key, i) => [key, amounts[i]!]))
  }
  // ERC-721: an id is held when ownerOf names the wallet. ownerOf reverts for ids that do not
  // exist (EIP-721), which means "not held"; any other failure propagates.
  // A few at a time per request (and through the reader's pool): ids are capped, but a list of
  // them must not become a burst of calls; a request that ends stops starting new ones.
  const held = await mapLimited(values, limits.perRequest, async (id) => {
    stopped()
    try {
      const holder = await limits.run(() =>
        client.readContract({
          address: contract,
          abi: erc721OwnerOfAbi,
          functionName: 'ownerOf',
          args: [id],
        }),
      )
      return isAddressEqual(holder, owner) ? 1n : 0n
    } catch (err) {
      if (isContractLevelFailure(err)) return 0n
      throw err
    }
  })
  return new Map(keys.map((key, i) => [key, held[i]!]))
}

/**
 * The distinct ids a requirement names, or `undefined` for a whole-contract read. ERC-1155
 * balances exist only per id (a wallet's ids cannot be enumerated on chain); ERC-20 has no ids.
 */
function tokenIds(
  chain: ChainDefinition,
  contract: Address,
  standard: TokenStandard,
  tokenIdsInput: readonly string[] | undefined,
): Map<string, bigint> | undefined {
  if (tokenIdsInput === undefined) {
    if (standard.kind === 'erc1155') {
      throw new InvalidRequirementError(
        chain.slug,
        `Contract ${contract} is an ERC1155 token: list the token ids to count in tokenIds`,
      )
    }
    return undefined
  }
  if (standard.kind === 'erc20') {
    throw new InvalidRequirementError(
      chain.slug,
      `Contract ${contract} is an ERC20 token: it has no token ids, remove tokenIds`,
    )
  }
  const ids = new Map<string, bigint>()
  for (const id of tokenIdsInput) {
    const key = tokenIdKey(id)
    if (key === undefined) {
      throw new InvalidRequirementError(chain.slug, `Token id ${JSON.stringify(id)} is not a uint256`)
    }
    ids.set(key, BigInt(key))
  }
  return ids
}
