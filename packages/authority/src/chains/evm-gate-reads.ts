import type {
  ContractCallNode,
  Erc20Node,
  Erc721Node,
  Erc1155Node,
  NativeNode,
  PicketHoldingNode,
  Requirements,
} from 'picket-core'
import { amountWithin, claimsSatisfy, compareCallOutput, GATE_LIMITS, WALLET_ARGUMENT } from 'picket-core'
import {
  type Abi,
  type AbiFunction,
  type Address,
  encodeFunctionData,
  formatUnits,
  isAddress,
  isAddressEqual,
  parseAbi,
  parseAbiItem,
} from 'viem'
import { withAbort } from './abort.js'
import { toEvmAddress } from './addresses.js'
import type { BalanceReading } from './balance-reading.js'
import type { ReadLimits } from './concurrency.js'
import {
  ChainUnavailableError,
  InvalidAddressError,
  InvalidRequirementError,
  UnsupportedTokenError,
} from './errors.js'
import type { EvmBalanceDeps } from './evm-balances.js'
import { chainReadFailure, isContractLevelFailure } from './evm-errors.js'
import type { ChainGateReading, ConditionAnswer, GateReadOptions } from './gate-reading.js'
import { type ChainDefinition, chainReadIdentity } from './registry.js'
import { ERC721_INTERFACE_ID, ERC1155_INTERFACE_ID } from './token-standard.js'

/** The conditions an EVM chain answers. */
export type EvmGateCondition =
  | Erc20Node
  | Erc721Node
  | Erc1155Node
  | NativeNode
  | ContractCallNode
  | PicketHoldingNode

export interface EvmGateReadOptions extends GateReadOptions {
  /**
   * Reads Picket requirements the way `readBalances` does (detection, then the balance): the
   * reader passes its own, on the same wallet, chain and signal. Without it a `picket`
   * condition is answered with an error, never guessed.
   */
  readPicket?: (requirements: Requirements) => Promise<BalanceReading>
}

/** Only what the gate reads call, so that decoding stays strict. */
const gateAbi = parseAbi([
  'function balanceOf(address owner) view returns (uint256)',
  'function decimals() view returns (uint8)',
  'function supportsInterface(bytes4 interfaceId) view returns (bool)',
  'function ownerOf(uint256 tokenId) view returns (address)',
])
const erc1155BalanceOfAbi = parseAbi([
  'function balanceOf(address account, uint256 id) view returns (uint256)',
])

/**
 * Calldata bytes of the calls in one deployless multicall (viem's `batchSize`). A deployless
 * call is contract creation: post-Shanghai nodes refuse initcode over 49 152 bytes (EIP-3860)
 * and a "deployed" answer over 24 576 bytes (EIP-170) — each call costs about 224 bytes of the
 * one and 160 of the other, so one eth_call holds about 150 calls. 3000 bytes is at most ~80
 * calls of 36 bytes plus the ≤ 32 four-byte ones of a gate: a 1000-id condition is ~12
 * eth_calls, all at the same block, asked together (a usual gate stays one eth_call).
 */
const MULTICALL_CHUNK_BYTES = 3000

const UNLIMITED: ReadLimits = { run: (call) => call(), perRequest: Number.POSITIVE_INFINITY }

/** One entry of the multicall. */
interface ContractRead {
  readonly address: Address
  readonly abi: Abi
  readonly functionName: string
  readonly args: readonly unknown[]
}

/** A call's outcome as viem's multicall gives it, failures already sorted (see `readAll`). */
type CallResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown }

/** How one condition is answered: the calls it needs, and its answer from their results. */
interface Plan {
  readonly key: string
  readonly calls: readonly ContractRead[]
  readonly answer: (results: readonly CallResult[], native: bigint | undefined) => ConditionAnswer
}

/**
 * A gate's conditions on one EVM chain, answered at one block: the chain's head when the read
 * starts (`eth_blockNumber`, shared with every concurrent read of the chain), then
 * - every contract call of every condition in one deployless multicall (on any node, no
 *   multicall3 deployment needed; `allowFailure`, so a call that reverts is that condition's
 *   answer, not the gate's failure), in eth_calls of at most `MULTICALL_CHUNK_BYTES` of
 *   calldata (one for a usual gate);
 * - the wallet's coin balance (`eth_getBalance`) at the same block, asked in the same tick on the
 *   reader's batching client, so both travel as one JSON-RPC batch: one HTTP POST per chain
 *   (after the endpoint's one-time `eth_chainId` proof).
 * `picket` conditions are a separate read (the `readBalances` path: standard detection, cached
 * per contract, then the balance, at the head *it* asks — usually the same in-flight
 * `eth_blockNumber`, but not guaranteed), run concurrently with the multicall; `blockNumber` is
 * the block of the multicall and the coin balance.
 *
 * A contract that is not what the condition names, or a call that reverts, is an error answer
 * naming the contract; a failure of the chain itself (transport, timeout, every endpoint open)
 * throws (`chainReadFailure`), never an answer, so it can never turn into a pass through a `not`.
 */
export async function readEvmGateConditions(
  deps: EvmBalanceDeps,
  chain: ChainDefinition,
  walletAddress: string,
  conditions: readonly EvmGateCondition[],
  options: EvmGateReadOptions = {},
): Promise<ChainGateReading> {
  const { signal } = options
  const owner = toEvmAddress(chain.slug, walletAddress, 'wallet')
  const answers = new Map<string, ConditionAnswer>()
  const plans: Plan[] = []
  const picket: PicketHoldingNode[] = []
  let wantsNative = false
  for (const condition of conditions) {
    if (condition.type === 'picket') {
      picket.push(condition)
      continue
    }
    if (condition.type === 'native') wantsNative = true
    const plan = planOf(condition, owner)
    if ('error' in plan) answers.set(condition.key, plan)
    else plans.push(plan)
  }

  // Separate reads (detection + balance, through the reader's own pool and shared reads),
  // started first so they run while the multicall does.
  const picketReads = picket.map((node) => readPicketCondition(chain, walletAddress, node, options))
  for (const pending of picketReads) pending.catch(() => {})

  const calls = plans.flatMap((plan) => plan.calls)
  let blockNumber: bigint | undefined
  if (calls.length > 0 || wantsNative) {
    const client = deps.clients.clientFor(chain)
    const batching = deps.clients.batchingClientFor(chain)
    if (!client || !batching) throw new ChainUnavailableError(chain.slug, 'no rpcUrl configured')
    const limits = deps.limits ?? UNLIMITED
    // One slot of the pool for the whole chain read: the head (one eth_blockNumber for every
    // concurrent read of the chain), then the one batch pinned to it.
    const read = limits.run(async () => {
      const head = await deps.blocks.latest(chainReadIdentity(chain), client)
      // A head beyond 2^53 is no real chain's; it would also not fit the token's numeric claim.
      if (head > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ChainUnavailableError(chain.slug, `the RPC answered an implausible block number ${head}`)
      }
      return [head, await readAll(batching, chain, calls, wantsNative ? owner : undefined, head)] as const
    })
    const [head, [results, native]] = await withAbort(read, signal, chain).catch((err: unknown) => {
      throw chainReadFailure(chain, err)
    })
    blockNumber = head
    let at = 0
    for (const plan of plans) {
      const own = results.slice(at, at + plan.calls.length)
      at += plan.calls.length
      answers.set(plan.key, plan.answer(own, native))
    }
  }

  const picketAnswers = await withAbort(Promise.all(picketReads), signal, chain)
  picket.forEach((node, i) => {
    answers.set(node.key, picketAnswers[i]!)
  })
  return blockNumber === undefined ? { answers } : { answers, blockNumber: Number(blockNumber) }
}

/**
 * The multicall and the coin balance, both at `blockNumber`, asked in the same tick of the
 * batching client: one JSON-RPC batch. A call that failed because of its contract (reverted,
 * returned nothing or undecodable bytes) is a result; any other failure is the chain's (thrown).
 */
async function readAll(
  client: NonNullable<ReturnType<EvmBalanceDeps['clients']['batchingClientFor']>>,
  chain: ChainDefinition,
  calls: readonly ContractRead[],
  nativeOf: Address | undefined,
  blockNumber: bigint,
): Promise<[CallResult[], bigint | undefined]> {
  const [raw, native] = await Promise.all([
    calls.length === 0
      ? []
      : client.multicall({
          contracts: calls as never,
          allowFailure: true,
          deployless: true,
          batchSize: MULTICALL_CHUNK_BYTES,
          blockNumber,
        }),
    nativeOf === undefined ? undefined : client.getBalance({ address: nativeOf, blockNumber }),
  ])
  const results = (raw as readonly { status: string; result?: unknown; error?: unknown }[]).map(
    (result): CallResult => {
      if (result.status === 'success') return { ok: true, value: result.result }
      if (isContractLevelFailure(result.error)) return { ok: false, error: result.error }
      throw chainReadFailure(chain, result.error)
    },
  )
  if (results.length !== calls.length) {
    throw new ChainUnavailableError(chain.slug, 'the multicall answered the wrong number of results')
  }
  return [results, native]
}

function planOf(
  condition: Exclude<EvmGateCondition, PicketHoldingNode>,
  owner: Address,
): Plan | { error: string } {
  const key = condition.key
  if (condition.type === 'native') {
    return {
      key,
      calls: [],
      answer: (_, wei) =>
        wei === undefined
          ? { error: 'the coin balance was not read' }
          : { met: amountWithin(formatUnits(wei, 18), condition) },
    }
  }
  if (!isAddress(condition.contract, { strict: false })) {
    return { error: `${JSON.stringify(condition.contract)} is not a contract address` }
  }
  const contract = condition.contract as Address
  switch (condition.type) {
    case 'erc20':
      return {
        key,
        calls: [
          { address: contract, abi: gateAbi, functionName: 'balanceOf', args: [owner] },
          { address: contract, abi: gateAbi, functionName: 'decimals', args: [] },
        ],
        answer: ([balance, decimals]) => {
          if (!decimals?.ok) return { error: `${contract} is not an ERC-20 (no decimals())` }
          if (!balance?.ok) return { error: `${contract} is not an ERC-20 (balanceOf(address) failed)` }
          return {
            met: amountWithin(formatUnits(balance.value as bigint, decimals.value as number), condition),
          }
        },
      }
    case 'erc721':
      return erc721Plan(condition, contract, owner)
    case 'erc1155': {
      if (!/^\d{1,78}$/.test(condition.id))
        return { error: `token id ${JSON.stringify(condition.id)} is not a uint256` }
      return {
        key,
        calls: [
          {
            address: contract,
            abi: gateAbi,
            functionName: 'supportsInterface',
            args: [ERC1155_INTERFACE_ID],
          },
          {
            address: contract,
            abi: erc1155BalanceOfAbi,
            functionName: 'balanceOf',
            args: [owner, BigInt(condition.id)],
          },
        ],
        answer: ([supports, balance]) => {
          if (!supports?.ok || supports.value !== true) {
            return {
              error: `${contract} is not an ERC-1155 (supportsInterface(${ERC1155_INTERFACE_ID}) is not true)`,
            }
          }
          if (!balance?.ok)
            return { error: `${contract} is not an ERC-1155 (balanceOf(address,uint256) failed)` }
          return { met: amountWithin((balance.value as bigint).toString(), condition) }
        },
      }
    }
    case 'call':
      return callPlan(condition, contract, owner)
  }
}

function erc721Plan(node: Erc721Node, contract: Address, owner: Address): Plan | { error: string } {
  const supports: ContractRead = {
    address: contract,
    abi: gateAbi,
    functionName: 'supportsInterface',
    args: [ERC721_INTERFACE_ID],
  }
  const notErc721 = {
    error: `${contract} is not an ERC-721 (supportsInterface(${ERC721_INTERFACE_ID}) is not true)`,
  }
  const min = BigInt(node.min)
  if (node.ranges === undefined) {
    return {
      key: node.key,
      calls: [supports, { address: contract, abi: gateAbi, functionName: 'balanceOf', args: [owner] }],
      answer: ([isErc721, balance]) => {
        if (!isErc721?.ok || isErc721.value !== true) return notErc721
        if (!balance?.ok) return { error: `${contract} is not an ERC-721 (balanceOf(address) failed)` }
        return { met: (balance.value as bigint) >= min }
      },
    }
  }
  const ids = new Set<bigint>()
  for (const [from, to] of node.ranges) {
    if (!/^\d{1,78}$/.test(from) || !/^\d{1,78}$/.test(to)) {
      return { error: `token id range ${from}-${to} is not of uint256s` }
    }
    // The parser bounds the ids of a condition; a node built elsewhere is held to the same bound.
    if (BigInt(to) - BigInt(from) + BigInt(ids.size) >= BigInt(GATE_LIMITS.idsPerCondition)) {
      return { error: `more than ${GATE_LIMITS.idsPerCondition} token ids in one condition` }
    }
    for (let id = BigInt(from); id <= BigInt(to); id++) ids.add(id)
  }
  return {
    key: node.key,
    calls: [
      supports,
      ...[...ids].map((id) => ({ address: contract, abi: gateAbi, functionName: 'ownerOf', args: [id] })),
    ],
    answer: ([isErc721, ...owners]) => {
      if (!isErc721?.ok || isErc721.value !== true) return notErc721
      // ownerOf reverts for an id that does not exist (EIP-721): not held. Failures of the chain
      // itself never get here (`readAll` throws them).
      const held = owners.filter(
        (result) =>
          result.ok && typeof result.value === 'string' && isAddressEqual(result.value as Address, owner),
      ).length
      return { met: BigInt(held) >= min }
    },
  }
}

/**
 * A view function of any contract, as the gate writes it. Arguments: `'$wallet'` is the wallet,
 * decimal strings for integer inputs become integers, anything else goes as written (viem's
 * encoding checks it). Encoded here, so a malformed argument is this condition's error only.
 */
function callPlan(node: ContractCallNode, contract: Address, owner: Address): Plan | { error: string } {
  const named = `${node.function} of ${contract}`
  let fn: AbiFunction
  try {
    const item = parseAbiItem(node.function)
    if (item.type !== 'function') return { error: `${JSON.stringify(node.function)} is not a function` }
    fn = item
  } catch {
    return { error: `${JSON.stringify(node.function)} is not a human-readable ABI function` }
  }
  if (fn.inputs.length !== node.args.length) {
    return { error: `${named} takes ${fn.inputs.length} arguments, the condition gives ${node.args.length}` }
  }
  if (node.output < 0 || node.output >= fn.outputs.length) {
    return { error: `${named} has no output #${node.output}` }
  }
  const args = node.args.map((arg, i) => {
    if (arg === WALLET_ARGUMENT) return owner
    if (typeof arg === 'string' && /^u?int\d*$/.test(fn.inputs[i]!.type) && /^-?\d+$/.test(arg))
      return BigInt(arg)
    return arg
  })
  try {
    encodeFunctionData({ abi: [fn], functionName: fn.name, args })
  } catch {
    return { error: `the arguments of ${named} do not match its inputs` }
  }
  const several = fn.outputs.length > 1
  const outputType = fn.outputs[node.output]!.type
  return {
    key: node.key,
    calls: [{ address: contract, abi: [fn], functionName: fn.name, args }],
    answer: ([result]) => {
      if (!result?.ok) return { error: `${named} reverted or returned nothing` }
      // viem returns an array for a function with several outputs, the value for one.
      const decoded = several ? (result.value as readonly unknown[])[node.output] : result.value
      // viem decodes integers of up to 48 bits (uint8, int32…) as numbers, wider ones as bigints;
      // the comparison takes bigints.
      const value =
        typeof decoded === 'number' && Number.isSafeInteger(decoded) && /^u?int\d*$/.test(outputType)
          ? BigInt(decoded)
          : decoded
      const met = compareCallOutput(node, value, owner)
      if (met === 'error') return { error: `the output of ${named} is not a ${node.outputType} to compare` }
      return { met }
    },
  }
}

/**
 * A `picket` condition: Picket's own rule (`claimsSatisfy`) on what `readBalances` reads. A token
 * that is not one, or a requirement that cannot be read (e.g. an ERC-1155 without ids), is this
 * condition's error; a chain failure is the gate's (thrown).
 */
async function readPicketCondition(
  chain: ChainDefinition,
  walletAddress: string,
  node: PicketHoldingNode,
  options: EvmGateReadOptions,
): Promise<ConditionAnswer> {
  if (!options.readPicket) return { error: 'picket holding conditions are not read here' }
  try {
    const reading = await options.readPicket(node.requirements)
    return { met: claimsSatisfy({ chain: chain.slug, walletAddress, ...reading }, node.requirements) }
  } catch (error) {
    const answer =
      error instanceof UnsupportedTokenError ||
      error instanceof InvalidRequirementError ||
      error instanceof InvalidAddressError
    if (!answer) throw error
    return { error: error.message }
  }
}
