import type { FastifyRequest } from 'fastify'
import { parseBasicApiKey } from './api-key.js'
import { isValidAddress } from './chains/addresses.js'
import type { ChainDefinition } from './chains/registry.js'
import type { ProjectConfig } from './config.js'
import { apiKeyInvalid, authenticationRequired, parameterInvalid } from './errors.js'
import type { ProjectMatch } from './projects.js'
import type { AuthorityRuntime } from './runtime.js'

/**
 * Per-request state kept outside the request object, so mounting the authority does not add
 * properties (or TypeScript declarations) to the host application's requests.
 */
const projectByRequest = new WeakMap<FastifyRequest, ProjectMatch>()

/** Resolves the API key (§1.3, §1.4) or throws the documented 401. */
export function authenticateRequest(runtime: AuthorityRuntime, request: FastifyRequest): void {
  const header = request.headers.authorization
  if (header === undefined || header.trim() === '') throw authenticationRequired()
  const key = parseBasicApiKey(header)
  const match = key === undefined ? undefined : runtime.projects.findByApiKey(key)
  if (!match) throw apiKeyInvalid()
  projectByRequest.set(request, match)
}

/** The project of an authenticated request. */
export function projectOf(request: FastifyRequest): ProjectConfig {
  const match = projectByRequest.get(request)
  // Unreachable for routes behind the API-key hook; a programming error otherwise.
  if (!match) throw apiKeyInvalid()
  return match.project
}

/** `https://host/prefix` as the client addressed this authority. */
export function baseUrlOf(request: FastifyRequest, prefix: string): string {
  return `${request.protocol}://${request.host}${prefix}`
}

export function issuerOf(runtime: AuthorityRuntime, request: FastifyRequest, prefix: string): string {
  return runtime.issuer ?? baseUrlOf(request, prefix)
}

/** Chain of a request body: slug or alias (§9 #27); unknown is a 400 naming it. */
export function chainFromBody(runtime: AuthorityRuntime, slug: string): ChainDefinition {
  const chain = runtime.chains.get(slug)
  if (!chain) throw parameterInvalid(`chain ${JSON.stringify(slug)} is not supported`)
  return chain
}

/** Rejects addresses that cannot belong to the chain before any nonce or RPC work. */
export function assertWalletAddress(chain: ChainDefinition, walletAddress: string): void {
  if (!isValidAddress(chain.chainType, walletAddress)) {
    throw parameterInvalid(
      `walletAddress ${JSON.stringify(walletAddress)} is not a valid ${chain.chainName} address`,
    )
  }
}
