/**
 * The gate language: `all` / `any` / `atLeast` / `not` over typed conditions, each on a named
 * chain. Two forms:
 *
 * - **input** (`GateExpression`): the JSON a route writes (`config.picket.gate`), chains by
 *   CAIP-2 id (`eip155:8453`) or alias (`base`), amounts as decimal strings, token ids and ranges
 *   (`"1-100"`). Validated strictly by `parseGateExpression`.
 * - **canonical** (`GateNode`): what evaluation, token facts and `/authz` use: chains resolved to
 *   CAIP-2, addresses in one case, amounts canonical, id ranges merged; every condition carries
 *   its `key`, a hash of exactly what it asks, under which a token records its answer.
 */

/** A CAIP-2 chain id: `eip155:<chain id>` or `solana:<genesis hash prefix>`. */
export type Caip2ChainId = string

/** Optional text shown in explanations instead of the generated description. */
interface Labelled {
  label?: string
}

/** Every condition may name its chain; it defaults to the gate's (or the adapter's) chain. */
interface OnChain {
  chain?: string
}

/** An amount in whole units of the token or coin (`'500'`, `'0.5'`); numbers are accepted. */
export type AmountInput = string | number

export interface AmountBounds {
  /** At least this much (inclusive). Without `min` and `max`: more than zero. */
  min?: AmountInput
  /** At most this much (inclusive). With `max` alone, zero passes too. */
  max?: AmountInput
}

export interface Erc20Condition extends Labelled {
  erc20: OnChain & AmountBounds & { contract: string }
}
export interface Erc721Condition extends Labelled {
  erc721: OnChain & {
    contract: string
    /** Token ids and inclusive ranges (`['7', '1-100']`); without it, any token of the contract. */
    ids?: readonly (string | number)[]
    /** How many of them (default 1). */
    min?: number
  }
}
export interface Erc1155Condition extends Labelled {
  erc1155: OnChain & AmountBounds & { contract: string; id: string | number }
}
export interface NativeCondition extends Labelled {
  /** The chain's coin (ETH, POL, SOL…) in whole coins. */
  native: OnChain & AmountBounds
}
export interface AllowlistCondition extends Labelled {
  /** Wallet addresses (EVM case-insensitive, Solana exact). Never shown in a refusal. */
  allowlist: readonly string[]
}
export interface ContractCallCondition extends Labelled {
  call: OnChain & {
    contract: string
    /** A view or pure function, human-readable: `'function isMember(address) view returns (bool)'`. */
    function: string
    /** Its arguments; `'$wallet'` is the signed-in wallet. */
    args?: readonly (string | number | boolean)[]
    /** Which return value to compare when it returns several (default 0). */
    output?: number
    /** Exactly one comparison of the result. */
    compare: Comparison
  }
}
export interface SplTokenCondition extends Labelled {
  splToken: OnChain & AmountBounds & { mint: string }
}
export interface MetaplexCollectionCondition extends Labelled {
  metaplexCollection: OnChain & { collection: string; min?: number }
}
/** The token-holding half of Picket v1 requirements, with Picket's running-total rule (§6.3). */
export interface PicketHoldingCondition extends Labelled {
  picket: OnChain & {
    contractAddress?: string
    minTokenBalance?: AmountInput
    tokenIds?: readonly string[]
    collection?: string | readonly string[]
    creatorAddress?: string
  }
}

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'
export type Comparison = { readonly [op in ComparisonOperator]?: string | number | boolean }

export type GateCondition =
  | Erc20Condition
  | Erc721Condition
  | Erc1155Condition
  | NativeCondition
  | AllowlistCondition
  | ContractCallCondition
  | SplTokenCondition
  | MetaplexCollectionCondition
  | PicketHoldingCondition

export interface AllGroup extends Labelled {
  all: readonly GateExpression[]
}
export interface AnyGroup extends Labelled {
  any: readonly GateExpression[]
}
export interface AtLeastGroup extends Labelled {
  atLeast: { n: number; of: readonly GateExpression[] }
}
export interface NotGroup extends Labelled {
  not: GateExpression
}

/** A gate as a route writes it. */
export type GateExpression = AllGroup | AnyGroup | AtLeastGroup | NotGroup | GateCondition

// ---------------------------------------------------------------------------------------------
// Canonical form

/** Amount bounds, canonical decimals; both absent means "more than zero". */
export interface Bounds {
  readonly min?: string
  readonly max?: string
}

interface CanonicalBase {
  /** What it asks, hashed: the name of its answer in a token's `gateFacts`. */
  readonly key: string
  readonly label?: string
}

export interface Erc20Node extends CanonicalBase, Bounds {
  readonly type: 'erc20'
  readonly chain: Caip2ChainId
  /** Lower-case hex. */
  readonly contract: string
}
export interface Erc721Node extends CanonicalBase {
  readonly type: 'erc721'
  readonly chain: Caip2ChainId
  readonly contract: string
  /** Sorted, merged, inclusive ranges of decimal ids; absent: any token of the contract. */
  readonly ranges?: readonly (readonly [string, string])[]
  readonly min: number
}
export interface Erc1155Node extends CanonicalBase, Bounds {
  readonly type: 'erc1155'
  readonly chain: Caip2ChainId
  readonly contract: string
  /** Decimal id. */
  readonly id: string
}
export interface NativeNode extends CanonicalBase, Bounds {
  readonly type: 'native'
  readonly chain: Caip2ChainId
}
export interface AllowlistNode extends CanonicalBase {
  readonly type: 'allowlist'
  /** EVM addresses in lower case, Solana as written; sorted, unique. */
  readonly wallets: readonly string[]
}
export type AbiScalarType = string
export interface ContractCallNode extends CanonicalBase {
  readonly type: 'call'
  readonly chain: Caip2ChainId
  readonly contract: string
  /** The function, formatted canonically (`function isMember(address) view returns (bool)`). */
  readonly function: string
  /** Canonical arguments: decimal strings for integers, lower-case hex, booleans, `'$wallet'`. */
  readonly args: readonly (string | boolean)[]
  readonly output: number
  /** The ABI type of the compared output. */
  readonly outputType: AbiScalarType
  readonly operator: ComparisonOperator
  /** The canonical value compared with (decimal string for integers, lower-case hex, boolean). */
  readonly value: string | boolean
}
export interface SplTokenNode extends CanonicalBase, Bounds {
  readonly type: 'splToken'
  readonly chain: Caip2ChainId
  readonly mint: string
}
export interface MetaplexCollectionNode extends CanonicalBase {
  readonly type: 'metaplexCollection'
  readonly chain: Caip2ChainId
  readonly collection: string
  readonly min: number
}
export interface PicketHoldingNode extends CanonicalBase {
  readonly type: 'picket'
  readonly chain: Caip2ChainId
  /** Canonical Picket requirements without `allowedWallets` (that half is an `allowlist`). */
  readonly requirements: import('./types.js').Requirements
}

export type ConditionNode =
  | Erc20Node
  | Erc721Node
  | Erc1155Node
  | NativeNode
  | AllowlistNode
  | ContractCallNode
  | SplTokenNode
  | MetaplexCollectionNode
  | PicketHoldingNode

/** A condition that is read from a chain (every kind but `allowlist`). */
export type ChainConditionNode = Exclude<ConditionNode, AllowlistNode>

export interface AllNode {
  readonly type: 'all'
  readonly of: readonly GateNode[]
  readonly label?: string
}
export interface AnyNode {
  readonly type: 'any'
  readonly of: readonly GateNode[]
  readonly label?: string
}
export interface AtLeastNode {
  readonly type: 'atLeast'
  readonly n: number
  readonly of: readonly GateNode[]
  readonly label?: string
}
export interface NotNode {
  readonly type: 'not'
  readonly of: GateNode
  readonly label?: string
}
export type GroupNode = AllNode | AnyNode | AtLeastNode | NotNode
export type GateNode = GroupNode | ConditionNode

/** A parsed gate: its canonical tree, its conditions, and a key for the whole of it. */
export interface CompiledGate {
  readonly root: GateNode
  /** Every condition, in tree order (a condition used twice appears once). */
  readonly conditions: readonly ConditionNode[]
  /** The chains its conditions read (CAIP-2), in first-use order. */
  readonly chains: readonly Caip2ChainId[]
  /** Stable across spellings: the same canonical gate, the same key. */
  readonly key: string
}

export const GATE_LIMITS = Object.freeze({
  /** Conditions in one gate. */
  conditions: 32,
  /** Nesting of groups. */
  depth: 6,
  /** Chains one gate reads. */
  chains: 4,
  /** ERC-721 ids one condition may name (ranges expanded). */
  idsPerCondition: 1000,
  /** ERC-721 ids one gate may name in all. */
  idsPerGate: 2000,
  /** Wallets in one allowlist. */
  allowlist: 10000,
  /** Arguments of a contract call. */
  callArgs: 8,
  /** Characters of a label. */
  label: 120,
})

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * The value of a node: met, not met, `undefined` when it is not known yet (nothing proved it
 * and it was not read), or `'error'` when it could not be decided (a call reverted, a
 * contract is not what the gate says). An error never counts as met or as not met: a gate whose
 * answer depends on it is neither granted nor refused (424).
 */
export type Verdict = boolean | 'error' | undefined

/** Where a condition's answer came from. */
export type VerdictSource = 'token' | 'chain' | 'wallet'

/** One node of an evaluation, for the handler (`request.picketGate`) and explanations. */
export interface GateEvaluation {
  readonly type: GateNode['type']
  /** `null` when the node was not needed to decide (short-circuit) or is not known. */
  readonly met: boolean | null
  /** Generated from the node, or its label. Never lists an allowlist's wallets. */
  readonly description: string
  readonly source?: VerdictSource
  /** Why a condition could not be decided. */
  readonly error?: string
  readonly children?: readonly GateEvaluation[]
}
