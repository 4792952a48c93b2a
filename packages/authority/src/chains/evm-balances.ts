import type { Requirements, TokenBalances, TokenIdBalances } from 'picket-core'
import { tokenIdKey } from 'picket-core'
import { type Address, formatUnits, isAddressEqual, type PublicClient } from 'viem'
import { withAbort } from './abort.js'
import { toEvmAddress } from './addresses.js'
import type { BalanceReading } from './balance-reading.js'
import type { ReadLimits } from './concurrency.js'
import { ChainUnavailableError, InvalidRequirementError, UnsupportedTokenError } from './errors.js'
import type { EvmClients } from './evm-clients.js'
import { chainReadFailure, isContractLevelFailure } from './evm-errors.js'
import type { LatestBlocks } from './latest-block.js'
import { type ChainDefinition, chainReadIdentity } from './registry.js'
import { balanceOfAbi, erc721OwnerOfAbi, erc1155BalanceOfBatchAbi } from './token-abis.js'
import type { TokenStandard, TokenStandardDetector } from './token-standard.js'

export interface EvmBalanceDeps {
  clients: EvmClients
  detector: TokenStandardDetector
  blocks: LatestBlocks
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
 *   ids the owner holds, every `ownerOf(id)` in one deployless multicall (one `eth_call`);
 * - ERC-1155: the sum of the owner's balances of the listed `tokenIds` (deduplicated), from one
 *   `balanceOfBatch`.
 * With `tokenIds`, the per-id amounts are also returned as `tokenIdBalances` (this package's
 * own claim), so a token proves which ids were held; they are deliberately *not* reported under
 * Picket's `tokenBalances.tokenIds`: picket-js adds every category into one running total
 * (§6.3), so reporting both would count each token twice.
 *
 * Every balance is read at one block — the head when the read starts, asked once for all
 * concurrent reads of the chain — and that block is part of the answer (`blockNumber`), so a
 * token can say what chain state it proves.
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
  // Detection (one multicall, cached per contract) and the head: one slot of the pool each.
  const [standard, blockNumber] = await Promise.all([
    limits.run(() => deps.detector.detect(client, chain, contract, signal)),
    withAbort(
      limits.run(() => deps.blocks.latest(chainReadIdentity(chain), client)),
      signal,
      chain,
    ).catch((err: unknown) => {
      throw chainReadFailure(chain, err)
    }),
  ])
  // A head beyond 2^53 is no real chain's; it would also not fit the token's numeric claim.
  if (blockNumber > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ChainUnavailableError(chain.slug, `the RPC answered an implausible block number ${blockNumber}`)
  }
  const ids = tokenIds(chain, contract, standard, requirements.tokenIds)
  let perId: Map<string, bigint> | undefined
  let balance: string
  try {
    if (ids === undefined) {
      balance = await withAbort(
        limits.run(() => readWholeBalance(client, standard, contract, owner, blockNumber)),
        signal,
        chain,
      )
    } else {
      perId = await withAbort(
        limits.run(() => readIdBalances(client, chain, standard, contract, owner, ids, blockNumber)),
        signal,
        chain,
      )
      balance = [...perId.values()].reduce((sum, amount) => sum + amount, 0n).toString()
    }
  } catch (err) {
    if (!isContractLevelFailure(err)) throw chainReadFailure(chain, err)
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
  const read = { tokenBalances, blockNumber: Number(blockNumber) }
  if (!perId) return read
  const tokenIdBalances: TokenIdBalances = {
    [contract.toLowerCase()]: Object.fromEntries([...perId].map(([id, amount]) => [id, amount.toString()])),
  }
  return { ...read, tokenIdBalances }
}

async function readWholeBalance(
  client: PublicClient,
  standard: TokenStandard,
  contract: Address,
  owner: Address,
  blockNumber: bigint,
): Promise<string> {
  const units = await client.readContract({
    address: contract,
    abi: balanceOfAbi,
    functionName: 'balanceOf',
    args: [owner],
    blockNumber,
  })
  return standard.kind === 'erc20' ? formatUnits(units, standard.decimals) : units.toString()
}

/** Balance of each id (keyed by its decimal form), in one `eth_call`: ERC-1155 by balance, ERC-721 by ownership. */
async function readIdBalances(
  client: PublicClient,
  chain: ChainDefinition,
  standard: TokenStandard,
  contract: Address,
  owner: Address,
  ids: ReadonlyMap<string, bigint>,
  blockNumber: bigint,
): Promise<Map<string, bigint>> {
  const keys = [...ids.keys()]
  const values = [...ids.values()]
  // An empty list is a requirement no one meets (fail closed), not a call with no ids.
  if (values.length === 0) return new Map()
  if (standard.kind === 'erc1155') {
    // One balanceOfBatch (mandatory in EIP-1155) instead of a balanceOf per id.
    const amounts = await client.readContract({
      address: contract,
      abi: erc1155BalanceOfBatchAbi,
      functionName: 'balanceOfBatch',
      args: [values.map(() => owner), values],
      blockNumber,
    })
    if (amounts.length !== values.length)
      throw new Error('balanceOfBatch answered the wrong number of balances')
    return new Map(keys.map((key, i) => [key, amounts[i]!]))
  }
  // ERC-721: an id is held when ownerOf names the wallet. ownerOf reverts for ids that do not
  // exist (EIP-721), which means "not held"; any other failure is the chain's. All ids (at most
  // REQUIREMENT_LIMITS.tokenIds) go in one deployless multicall: one eth_call whatever their
  // number, on any node (no multicall3 deployment needed), every answer from the same block.
  const results = await client.multicall({
    contracts: values.map(
      (id) => ({ address: contract, abi: erc721OwnerOfAbi, functionName: 'ownerOf', args: [id] }) as const,
    ),
    allowFailure: true,
    deployless: true,
    batchSize: 0,
    blockNumber,
  })
  const held = results.map((result) => {
    if (result.status === 'success') return isAddressEqual(result.result, owner) ? 1n : 0n
    if (isContractLevelFailure(result.error)) return 0n
    throw chainReadFailure(chain, result.error)
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
