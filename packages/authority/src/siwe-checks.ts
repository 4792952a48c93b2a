import { checkSiweContext as checkContextRule, createSigningMessage } from 'picket-core'
import { zeroAddress } from 'viem'
import { createSiweMessage, parseSiweMessage } from 'viem/siwe'
import type { ChainDefinition } from './chains/registry.js'
import type { ProjectConfig } from './config.js'
import { invalidSignature, parameterInvalid } from './errors.js'

export { ISSUED_AT_SKEW_SECONDS } from 'picket-core'

export interface SiweContextCheck {
  project: ProjectConfig
  chain: ChainDefinition
  domain: string | undefined
  uri: string | undefined
  chainId: number
  issuedAt: string | undefined
  /** Milliseconds since the epoch. */
  now: number
  /** How old a signed message may be: the nonce lifetime, since no nonce outlives it. */
  maxAgeSeconds: number
  /** Domains accepted besides the project's `allowedDomains`. */
  extraAllowedDomains?: readonly string[]
}

/**
 * The relying party's checks on a SIWE login (core's one rule, shared with the plugin's
 * `/auth/login`): the domain and the URI are on a site of the project (a phishing site's message
 * names the phishing site), the message is fresh, no field smuggles a line; plus the chain id is
 * the login chain's. A malformed field is 400; a refused one is the signature failure picket-js
 * recognizes (`invalid signature`).
 */
export function checkSiweContext(check: SiweContextCheck): void {
  const { project, chain, chainId } = check
  const allowed = [...(project.allowedDomains ?? []), ...(check.extraAllowedDomains ?? [])]
  const problem = checkContextRule(
    { domain: check.domain, uri: check.uri, issuedAt: check.issuedAt },
    {
      isAllowedDomain: (domain) => allowed.includes(domain),
      now: check.now,
      maxAgeSeconds: check.maxAgeSeconds,
    },
  )
  if (problem) {
    throw problem.kind === 'invalid'
      ? parameterInvalid(problem.message)
      : invalidSignature(`${problem.message} (invalid signature)`)
  }
  if (chainId !== chain.chainId) {
    throw parameterInvalid(
      `context.chainId ${chainId} does not match chain ${chain.slug} (chain ID ${chain.chainId})`,
    )
  }
}

export interface Eip4361Fields {
  domain: string
  uri: string
  issuedAt: string
  chainId: number
  nonce: string
  statement: string
  /** The EVM wallet address as signed; Solana messages are checked with a stand-in address. */
  evmAddress?: string
}

/**
 * The SIWE message is checked by EIP-4361's grammar with viem's parser and validator, not by
 * hand: each field must be what the standard allows (RFC 3986 domain and URI, RFC 3339 time,
 * alphanumeric nonce, one-line statement), and parsing the text the wallet signs must give back
 * exactly the fields it was built from, and nothing else (no Expiration Time, Not Before,
 * Request ID or Resources lines, which Picket's messages never have). Solana and Flow messages
 * share the grammar but for the account word and address, so an Ethereum-worded twin with a
 * stand-in address is what is parsed for them.
 *
 * @throws the authority's 400 naming the field
 */
export function assertEip4361(fields: Eip4361Fields): void {
  const address = fields.evmAddress ?? zeroAddress
  try {
    createSiweMessage({
      address: address.toLowerCase() as `0x${string}`,
      // A host is case-insensitive (RFC 3986 §3.2.2); viem's pattern only takes lower case.
      domain: fields.domain.toLowerCase(),
      uri: fields.uri,
      chainId: fields.chainId,
      nonce: fields.nonce,
      statement: fields.statement,
      version: '1',
      issuedAt: new Date(fields.issuedAt),
    })
  } catch (error) {
    const field = (error as { message?: string }).message?.match(
      /Invalid Sign-In with Ethereum message field "(\w+)"/,
    )?.[1]
    throw parameterInvalid(
      `context.${field ?? 'domain'} is not valid in a Sign-In with Ethereum message (EIP-4361)`,
    )
  }
  const text = createSigningMessage({
    format: 'siwe',
    statement: fields.statement,
    walletAddress: address,
    nonce: fields.nonce,
    domain: fields.domain,
    uri: fields.uri,
    chainId: fields.chainId,
    issuedAt: fields.issuedAt,
    chainType: 'ethereum',
  })
  const parsed = parseSiweMessage(text)
  const same =
    parsed.domain === fields.domain &&
    parsed.address === address &&
    parsed.statement === fields.statement &&
    parsed.uri === fields.uri &&
    parsed.version === '1' &&
    parsed.chainId === fields.chainId &&
    parsed.nonce === fields.nonce &&
    parsed.issuedAt instanceof Date &&
    !Number.isNaN(parsed.issuedAt.getTime()) &&
    parsed.expirationTime === undefined &&
    parsed.notBefore === undefined &&
    parsed.requestId === undefined &&
    parsed.resources === undefined
  if (!same) {
    const field =
      parsed.issuedAt instanceof Date && Number.isNaN(parsed.issuedAt.getTime()) ? 'issuedAt' : 'uri'
    throw parameterInvalid(
      `context.${field} does not fit the EIP-4361 grammar (RFC 3339 time, RFC 3986 URI, one line each)`,
    )
  }
}
