import { createSigningMessage, SigningMessageError } from 'picket-core'
import type { ChainDefinition } from './chains/registry.js'
import type { ProjectConfig } from './config.js'
import { parameterInvalid } from './errors.js'
import type { NormalizedContext } from './request-normalization.js'
import { assertEip4361, checkSiweContext } from './siwe-checks.js'

export interface RebuildInput {
  project: ProjectConfig
  chain: ChainDefinition
  walletAddress: string
  nonce: string
  context: NormalizedContext | undefined
  /** Milliseconds since the epoch. */
  now: number
  nonceTTLSeconds: number
  /** SIWE domains accepted besides the project's (the authority's own, for its hosted login). */
  extraAllowedDomains?: readonly string[]
}

/**
 * Rebuilds, byte for byte, the message the wallet must have signed (reference §4.3): the
 * project's format and statement, the stored nonce, the address verbatim and, for SIWE, the
 * request's context — after checking that context (domain, chain id, issued-at).
 *
 * A SIWE project needs the context: the domain, URI and time the wallet saw cannot be guessed
 * (§9 #26, picket-react's RainbowKit adapter sends none; such logins need a `simple` project).
 */
export function rebuildSigningMessage(input: RebuildInput): string {
  const { project, chain, walletAddress, nonce, context } = input
  try {
    if (project.format === 'simple') {
      return createSigningMessage({ format: 'simple', statement: project.statement, walletAddress, nonce })
    }
    if (!context) {
      throw parameterInvalid(
        'context is required: this project signs in with SIWE messages, rebuilt from context.domain, context.uri, context.issuedAt and context.chainId',
      )
    }
    const chainId = context.chainId ?? chain.chainId
    checkSiweContext({
      project,
      chain,
      domain: context.domain,
      uri: context.uri,
      chainId,
      issuedAt: context.issuedAt,
      now: input.now,
      maxAgeSeconds: input.nonceTTLSeconds,
      ...(input.extraAllowedDomains ? { extraAllowedDomains: input.extraAllowedDomains } : {}),
    })
    assertEip4361({
      domain: context.domain!,
      uri: context.uri!,
      issuedAt: context.issuedAt!,
      chainId,
      nonce,
      statement: project.statement,
      ...(chain.chainType === 'ethereum' ? { evmAddress: walletAddress } : {}),
    })
    return createSigningMessage({
      format: 'siwe',
      statement: project.statement,
      walletAddress,
      nonce,
      domain: context.domain,
      uri: context.uri,
      chainId,
      issuedAt: context.issuedAt,
      // The chain decides the word substitution (§4.2, §9 #32), not what the client claims.
      chainType: chain.chainType,
    })
  } catch (error) {
    if (error instanceof SigningMessageError) {
      throw parameterInvalid(
        `context.${error.field} is required to rebuild the SIWE message (${error.message})`,
      )
    }
    throw error
  }
}
