import type { AccessTokenPayload, AuthenticatedUser } from 'picket-core'
import type { ChainDefinition } from '../chains/registry.js'
import type { ProjectConfig } from '../config.js'
import { accessTokenInvalid } from '../errors.js'
import { issuerOf } from '../request-context.js'
import type { AuthorityRuntime } from '../runtime.js'
import { verifyAccessToken } from '../tokens/verify.js'

/** A token of the calling project, verified, with the chain it was minted on. */
export async function verifyProjectToken(
  runtime: AuthorityRuntime,
  project: ProjectConfig,
  token: string,
): Promise<{ claims: AccessTokenPayload; chain: ChainDefinition }> {
  const claims = await verifyAccessToken(runtime.signingKey, token, {
    issuer: issuerOf(runtime),
    audience: project.id,
    currentDate: new Date(runtime.now()),
  })
  const chain = runtime.chains.get(claims.chain)
  if (!chain) throw accessTokenInvalid(`chain ${claims.chain} is no longer supported`)
  return { claims, chain }
}

export function userOf(claims: AccessTokenPayload): AuthenticatedUser {
  return {
    chain: claims.chain,
    walletAddress: claims.walletAddress,
    displayAddress: claims.displayAddress,
    tokenBalances: claims.tokenBalances,
  }
}
