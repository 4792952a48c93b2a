/**
 * Typed failures of the chain layer. Each carries the HTTP status and Picket error `code` the
 * authority should answer with (reference §3), so the HTTP layer can map them without knowing
 * every class. Messages contain the substrings picket-js' connect modal looks for (§2.2 table).
 */

export abstract class ChainError extends Error {
  /** HTTP status the authority answers with. */
  abstract readonly statusCode: number
  /** Picket error `code` (§3). */
  abstract readonly code: string
  /** Chain slug the failure happened on. */
  readonly chain: string

  constructor(chain: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.chain = chain
    this.name = new.target.name
  }
}

/**
 * The chain's RPC could not give an answer: network error, timeout, HTTP error, a JSON-RPC error
 * that is not about the request, or a malformed answer. Never treated as "no tokens" — a gate
 * must not decide on missing data — so the HTTP layer answers 424 Failed Dependency (§3).
 */
export class ChainUnavailableError extends ChainError {
  readonly statusCode: number = 424
  readonly code = 'chain_unavailable'

  constructor(chain: string, reason: string, options?: { cause?: unknown }) {
    super(chain, `Chain ${chain} is unavailable: ${reason}`, options)
  }
}

/**
 * The contract answered, but as none of ERC-20, ERC-721, ERC-1155 (or has no code at all).
 * The message carries "any ERC20, ERC721, ERC1155 tokens", which picket-js recognizes (§2.2).
 */
export class UnsupportedTokenError extends ChainError {
  readonly statusCode = 400
  readonly code = 'parameter_invalid'
  readonly contractAddress: string

  constructor(chain: string, contractAddress: string, detail?: string, options?: { cause?: unknown }) {
    super(
      chain,
      `Contract ${contractAddress} on ${chain} is not a supported token contract${detail ? ` (${detail})` : ''}. ` +
        'We only support any ERC20, ERC721, ERC1155 tokens',
      options,
    )
    this.contractAddress = contractAddress
  }
}

/**
 * The chain cannot check token requirements at all (Flow). The message
 * carries "token gating", which picket-js recognizes (§2.2, §6.1).
 */
export class TokenGatingUnsupportedError extends ChainError {
  readonly statusCode = 400
  readonly code = 'parameter_invalid'

  constructor(chain: string, reason?: string) {
    super(chain, `Chain ${chain} does not support token gating${reason ? `: ${reason}` : ''}`)
  }
}

/** The environment variable the CLI reads a chain's RPC URL from: `PICKET_RPC_ETHEREUM`. */
export function rpcEnvVariable(slug: string): string {
  return `PICKET_RPC_${slug.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/** Where an operator sets a chain's RPC URL, in the words of the config, the CLI and its env. */
export function rpcSettingHint(slug: string): string {
  return `chains.${slug}.rpcUrl in the config, --rpc ${slug}=URL or ${rpcEnvVariable(slug)}`
}

/** Seconds of Retry-After when no RPC URL is configured: a fix needs the operator and a restart. */
export const RPC_NOT_CONFIGURED_RETRY_AFTER = 60

/**
 * Token requirements on a chain this authority could read but has no RPC URL for: the
 * server's configuration is missing, the wallet did nothing wrong. 503 with Retry-After (never a
 * 4xx, which apps and the plugin take as "not allowed"), naming the setting; the message still
 * carries "token gating", which picket-js recognizes (§2.2, §6.1).
 */
export class ChainRpcNotConfiguredError extends ChainError {
  readonly statusCode = 503
  readonly code = 'chain_not_configured'
  readonly retryAfter = RPC_NOT_CONFIGURED_RETRY_AFTER

  constructor(chain: string) {
    super(
      chain,
      `Chain ${chain} cannot check token gating requirements on this authority: no RPC URL is ` +
        `configured for it (the operator sets ${rpcSettingHint(chain)})`,
    )
  }
}

/** What an invalid address was meant to be; only used to make the message precise. */
export type AddressRole = 'wallet' | 'contract' | 'mint' | 'collection' | 'creator'

/** A wallet, contract, mint, collection or creator address is not valid for the chain type. */
export class InvalidAddressError extends ChainError {
  readonly statusCode = 400
  readonly code = 'parameter_invalid'
  readonly address: string
  readonly role: AddressRole

  constructor(chain: string, address: string, role: AddressRole, options?: { cause?: unknown }) {
    super(chain, `Invalid ${role} address for chain ${chain}: ${JSON.stringify(address)}`, options)
    this.address = address
    this.role = role
  }
}

/**
 * A requirement that is well-formed JSON but cannot be checked as given, e.g. an ERC-1155
 * contract without `tokenIds` (ERC-1155 has no way to enumerate a wallet's ids) or a token id
 * that is not a uint256.
 */
export class InvalidRequirementError extends ChainError {
  readonly statusCode = 400
  readonly code = 'parameter_invalid'
}

export function isChainError(err: unknown): err is ChainError {
  return err instanceof ChainError
}

/**
 * Every RPC endpoint of the chain is open in its circuit breaker (it failed again and again just
 * now): answered at once, without waiting for a timeout, as 503 with Retry-After — the
 * authority's upstream is down, which is neither the wallet's fault nor a pass. A kind of
 * ChainUnavailableError: whoever handles "the chain could not answer" handles this too.
 */
export class ChainEndpointsDownError extends ChainUnavailableError {
  override readonly statusCode: number = 503
  /** Seconds until the first endpoint may be tried again. */
  readonly retryAfter: number

  constructor(chain: string, retryInMs: number) {
    const retryAfter = Math.max(1, Math.ceil(retryInMs / 1000))
    super(chain, `every RPC endpoint failed repeatedly and is paused for ${retryAfter} s`)
    this.retryAfter = retryAfter
  }
}

/**
 * An RPC endpoint answers for another chain than the configured one: it is never read from
 * (its balances would be another network's), counted as that endpoint's failure.
 */
export class WrongChainEndpointError extends ChainUnavailableError {
  constructor(chain: string, chainId: number, answered: string) {
    super(chain, `an RPC endpoint answers chain id ${answered.slice(0, 40)}, configured ${chainId}`)
  }
}
