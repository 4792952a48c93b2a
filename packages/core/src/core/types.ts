/**
 * Types for every Picket API v1 wire object (reference §2.11, §5.2). These are shared by the
 * client, the plugin and the bundled authority, so all three speak exactly one shape.
 */

/** Chain slug as used on the wire (`ethereum`, `polygon`, `solana`, …). Open-ended on purpose. */
export type ChainSlug = string

/** Chain family: decides signature scheme and the SIWE word substitution (§4.2, §9 #32). */
export type ChainType = 'ethereum' | 'solana' | 'flow'

/** Signing-message format, a project setting returned with every nonce (§2.1). */
export type SigningMessageFormat = 'simple' | 'siwe'

/**
 * Token-gating requirements as a caller may send them (every SDK's variant, §2.11 and §9).
 * Use `normalizeRequirements` to turn this into `Requirements`.
 */
export interface RequirementsInput {
  contractAddress?: string | null
  minTokenBalance?: string | number | null
  allowedWallets?: readonly string[] | null
  tokenIds?: readonly (string | number)[] | null
  /** picket-go spelling */
  token_ids?: readonly (string | number)[] | null
  collection?: string | readonly string[] | null
  creatorAddress?: string | null
  /** snake_case aliases from the first picket-go commit (§9 #31) */
  contract_address?: string | null
  min_token_balance?: string | number | null
  creator_address?: string | null
  allowed_wallets?: readonly string[] | null
}

/**
 * Canonical requirements: absent fields are left out, `minTokenBalance` is a plain decimal
 * string, `collection` is always a list, ids are strings. Produced frozen by
 * `normalizeRequirements`.
 */
export interface Requirements {
  readonly contractAddress?: string
  readonly minTokenBalance?: string
  readonly allowedWallets?: readonly string[]
  readonly tokenIds?: readonly string[]
  readonly collection?: readonly string[]
  readonly creatorAddress?: string
}

/** Balances per requirement category, keyed by the requirement string as received (§2.11). */
export interface TokenBalances {
  contractAddress?: Record<string, string>
  collection?: Record<string, string>
  tokenIds?: Record<string, string>
  creatorAddress?: Record<string, string>
}

/**
 * Per-id balances of EVM contracts, read for gates that name `tokenIds`: contract address in
 * lower case → token id as a decimal string → balance. A claim of this package's own, beside
 * Picket's `tokenBalances` (which keeps one sum per contract, as picket-js reads it), so a token
 * proves exactly which ids a wallet held.
 */
export type TokenIdBalances = Record<string, Record<string, string>>

/** Context needed to rebuild a SIWE message (§2.11). `chainId` may be a string (picket-go). */
export interface SigningMessageContext {
  domain?: string
  uri?: string
  chainId?: number | string
  issuedAt?: string
  chainType?: ChainType | string
  locale?: string
}

export interface NonceRequest {
  chain?: ChainSlug
  walletAddress: string
  locale?: string
}

export interface NonceResponse {
  nonce: string
  statement: string
  format: SigningMessageFormat
}

export interface AuthRequest {
  chain?: ChainSlug
  walletAddress: string
  signature: string
  requirements?: RequirementsInput
  context?: SigningMessageContext
}

/** `user` in `/auth` and `/authz` answers (§2.2). All four keys are always present. */
export interface AuthenticatedUser {
  chain: ChainSlug
  walletAddress: string
  displayAddress: string
  tokenBalances: TokenBalances
}

export interface AuthResponse {
  accessToken: string
  user: AuthenticatedUser
}

export type AuthzRequest = {
  accessToken: string
  revalidate?: boolean
} & (
  | { requirements: RequirementsInput; gate?: undefined }
  /** This package's extension: a gate in the gate language (chains as CAIP-2 ids or the authority's aliases). */
  | { gate: import('./gate-language.js').GateExpression; requirements?: undefined }
)

/** Claims of a Picket access token (§5.2). */
export interface AccessTokenPayload extends AuthenticatedUser {
  iat: number
  exp: number
  iss: string
  sub: string
  aud: string
  tid: string
  ver: number
  /** legacy single-requirement claims (§5.2) */
  contractAddress?: string
  tokenBalance?: string
  tokenIds?: string[]
  /** Picket's auto-generated e-mail-style address (§5.2), when the authority sets one. */
  email?: string
  /** This package's claim: per-id balances behind EVM gates with `tokenIds` (see `TokenIdBalances`). */
  tokenIdBalances?: TokenIdBalances
  /** This package's claim: the SIWE `domain` the login message was signed for (absent for `simple`). */
  domain?: string
  /**
   * This package's claim: the EVM block at which the token's balances were read (the oldest such
   * block when `/authz` merged balances of several reads). Absent when no EVM balance was read.
   */
  blockNumber?: number
  /**
   * The session (OpenID's `sid`): the `tid` of the login token, carried over by every token
   * `/authz` mints from it, so revoking the session revokes them all.
   */
  sid?: string
  /**
   * This package's claim: the answers a chain gave to gate conditions (see `GateFacts`), so the
   * next request is decided from the token.
   */
  gateFacts?: GateFacts
  /**
   * This package's claim: the CAIP-2 id of the chain `chain` names on the authority that minted
   * the token (`eip155:31337` for a `localhost` chain of that id). Balances in the token prove
   * gate conditions on this chain only, never on a chain an adapter's alias maps the slug to.
   */
  caip2?: string
}

/**
 * Answers to gate conditions, per chain (CAIP-2 id): each condition's `key` → met or not, read at
 * `block` (EVM; the oldest block when `/authz` merged reads of the same chain).
 */
export type GateFacts = Record<string, { block?: number; met: Record<string, boolean> }>

/** The claims this package adds to Picket's set (§5.2); official SDKs ignore them. */
export type AccessTokenExtensions = Pick<
  AccessTokenPayload,
  'tokenIdBalances' | 'domain' | 'sid' | 'blockNumber' | 'gateFacts' | 'caip2'
>

export interface TokenOwnershipRequest {
  chain?: ChainSlug
  walletAddress: string
  contractAddress?: string
  tokenIds?: readonly (string | number)[]
  collection?: string | readonly string[]
  creatorAddress?: string
  minTokenBalance?: string | number
}

/** Superset of what every SDK reads (§2.7, §9 #10). */
export interface TokenOwnershipResponse {
  allowed: boolean
  walletAddress: string
  tokenBalance: string
  tokenBalances: TokenBalances
}

export interface ChainInfo {
  chainSlug: ChainSlug
  chainId: number
  chainType: ChainType
  chainName: string
  publicRPC: string
  authorizationSupported: boolean
}

/** Error body of every non-2xx answer (§3). */
export interface PicketErrorBody {
  msg: string
  code?: string
}
