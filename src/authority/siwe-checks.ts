import type { ChainDefinition } from './chains/registry.js'
import type { ProjectConfig } from './config.js'
import { invalidSignature, parameterInvalid } from './errors.js'

/** Clock difference tolerated between the signing browser and this server. */
export const ISSUED_AT_SKEW_SECONDS = 60

export interface SiweContextCheck {
  project: ProjectConfig
  chain: ChainDefinition
  domain: string | undefined
  chainId: number
  issuedAt: string | undefined
  /** Milliseconds since the epoch. */
  now: number
  /** How old a signed message may be: the nonce lifetime, since no nonce outlives it. */
  maxAgeSeconds: number
}

/**
 * The EIP-4361 checks a relying party owes its users (DESIGN "Lessons"): the domain is one the
 * project serves (a phishing site's SIWE message names the phishing domain), the chain id is
 * the login chain's, and the message was issued neither in the future nor before its nonce.
 * Missing fields are left to the message builder, which names them.
 */
export function checkSiweContext(check: SiweContextCheck): void {
  const { project, chain, domain, chainId, issuedAt, now } = check
  if (
    domain !== undefined &&
    project.allowedDomains &&
    !project.allowedDomains.includes(domain.toLowerCase())
  ) {
    throw invalidSignature(`domain ${domain} is not allowed for this project`)
  }
  if (chainId !== chain.chainId) {
    throw parameterInvalid(
      `context.chainId ${chainId} does not match chain ${chain.slug} (chain ID ${chain.chainId})`,
    )
  }
  if (issuedAt !== undefined) {
    const issuedAtMs = Date.parse(issuedAt)
    if (Number.isNaN(issuedAtMs)) throw parameterInvalid('context.issuedAt must be an ISO 8601 timestamp')
    if (issuedAtMs > now + ISSUED_AT_SKEW_SECONDS * 1000) {
      throw invalidSignature('the message was issued in the future; check the device clock')
    }
    if (issuedAtMs < now - (check.maxAgeSeconds + ISSUED_AT_SKEW_SECONDS) * 1000) {
      throw invalidSignature('the message was issued before its nonce and has expired')
    }
  }
}
