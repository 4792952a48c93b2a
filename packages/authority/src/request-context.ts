import type { FastifyReply, FastifyRequest } from 'fastify'
import { parseBasicApiKey } from './api-key.js'
import { badChecksumProblem, isValidAddress } from './chains/addresses.js'
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

/** Which of its project's keys an authenticated request used. */
export function keyTypeOf(request: FastifyRequest): ProjectMatch['keyType'] {
  const match = projectByRequest.get(request)
  if (!match) throw apiKeyInvalid()
  return match.keyType
}

/**
 * `iss` of this authority: configured, or bound by `startAuthority` to its own URL before the
 * first request. Never derived from a request (its Host header is the client's to choose).
 */
export function issuerOf(runtime: AuthorityRuntime): string {
  if (runtime.issuer === undefined) throw new Error('fastify-picket authority: no issuer is bound')
  return runtime.issuer
}

/** Chain of a request body: slug or alias (§9 #27); unknown is a 400 naming it. */
export function chainFromBody(runtime: AuthorityRuntime, slug: string): ChainDefinition {
  const chain = runtime.chains.get(slug)
  if (!chain) throw parameterInvalid(`chain ${JSON.stringify(slug)} is not supported`)
  return chain
}

/** Rejects addresses that cannot belong to the chain before any nonce or RPC work. */
export function assertWalletAddress(chain: ChainDefinition, walletAddress: string): void {
  const badChecksum = chain.chainType === 'ethereum' ? badChecksumProblem(walletAddress) : undefined
  if (badChecksum) throw parameterInvalid(`walletAddress ${badChecksum}`)
  if (!isValidAddress(chain.chainType, walletAddress)) {
    throw parameterInvalid(
      `walletAddress ${JSON.stringify(walletAddress)} is not a valid ${chain.chainName} address`,
    )
  }
}

/**
 * Aborts when the client goes away before its answer is sent, so the chain reads made for it
 * stop. (Fastify's `request.signal` also fires once a request body has been read, which on a
 * POST is before the handler even starts: the response's `close` is what tells a hang-up.)
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'))
  })
  return controller.signal
}
