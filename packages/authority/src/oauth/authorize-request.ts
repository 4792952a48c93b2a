import type { ProjectConfig } from '../config.js'
import type { AuthorityRuntime } from '../runtime.js'
import { OAuthError } from './errors.js'
import { isS256Challenge } from './pkce.js'

/** Where the answer of an authorization request goes: the redirect URI's query, or a popup's opener. */
export type ResponseMode = 'query' | 'web_message'

/** An authorization request whose client and redirect URI are known good: errors may go there. */
export interface AuthorizeTarget {
  project: ProjectConfig
  redirectUri: string
  responseMode: ResponseMode
  /** Echoed byte for byte (picket-js compares it with what it stored, §2.8). */
  state?: string
}

export interface AuthorizeRequest extends AuthorizeTarget {
  codeChallenge: string
  scope: string[]
  nonce?: string
  promptNone: boolean
  /** The wallet login as `POST /auth` takes it, when the request carries a signature. */
  login?: Record<string, unknown>
}

/** Raised before the redirect URI is trusted: answered on the authority's own page, never redirected. */
export class UntrustedRedirectError extends OAuthError {}

/** Parameters that may be repeated (picket-js appends one per value, §2.8); all others only once. */
const REPEATABLE = new Set(['collection', 'tokenIds', 'allowedWallets'])
const SUPPORTED_SCOPES = ['openid', 'profile', 'offline_access'] as const
/** Generous for any real client (picket-js's state is 60 characters), bounded for the store. */
const MAX_STATE_LENGTH = 2048
const MAX_NONCE_LENGTH = 512

/**
 * Step 1 (RFC 6749 §4.1.2.1): the client and its redirect URI. Until both are known good,
 * nothing may be sent to the redirect URI — an open redirector would hand codes or errors to
 * any site — so every failure here is an `UntrustedRedirectError`.
 */
export function resolveAuthorizeTarget(runtime: AuthorityRuntime, params: URLSearchParams): AuthorizeTarget {
  const clientId = single(params, 'client_id', UntrustedRedirectError)
  if (clientId === undefined) throw new UntrustedRedirectError('invalid_request', 'client_id is required')
  const match = runtime.projects.findByApiKey(clientId)
  if (match?.keyType !== 'publishable') {
    // One answer for an unknown id and a secret key: the page must not confirm a guessed secret.
    throw new UntrustedRedirectError(
      'invalid_client',
      'client_id is not the publishable key of any project on this authority',
    )
  }
  const { project } = match
  if (project.redirectUris.length === 0) {
    throw new UntrustedRedirectError(
      'invalid_request',
      `project ${project.id} has no redirectUris: add the URIs its sign-in may return to in the authority config`,
    )
  }
  const redirectUri = single(params, 'redirect_uri', UntrustedRedirectError)
  if (redirectUri === undefined)
    throw new UntrustedRedirectError('invalid_request', 'redirect_uri is required')
  // Exact string match (RFC 6749 §3.1.2.3; Picket: "trailing slashes matter").
  if (!project.redirectUris.includes(redirectUri)) {
    throw new UntrustedRedirectError(
      'invalid_request',
      `redirect_uri ${redirectUri} is not one of the project’s redirectUris (matched exactly, trailing slash included)`,
    )
  }
  const target: AuthorizeTarget = { project, redirectUri, responseMode: 'query' }
  // From here on errors are sent to the redirect URI, with the state when there is one.
  const state = params.getAll('state')[0]
  if (state !== undefined && state.length <= MAX_STATE_LENGTH) target.state = state
  const mode = params.getAll('response_mode')[0]
  if (mode === 'web_message') target.responseMode = 'web_message'
  return target
}

/** Step 2: everything else; failures are redirected to the (trusted) redirect URI. */
export function parseAuthorizeRequest(target: AuthorizeTarget, params: URLSearchParams): AuthorizeRequest {
  for (const name of new Set(params.keys())) {
    if (!REPEATABLE.has(name) && params.getAll(name).length > 1) {
      throw new OAuthError('invalid_request', `${name} must not be repeated (RFC 6749 §3.1)`)
    }
  }
  const state = params.get('state') ?? undefined
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    throw new OAuthError('invalid_request', `state is longer than ${MAX_STATE_LENGTH} characters`)
  }
  const mode = params.get('response_mode') ?? undefined
  // picket-js sends `response_mode=code` (the redirect) or `web_message` (the popup) and no
  // response_type; before 2022-04-21 it sent `response_type=code` alone (§9 #24).
  if (mode !== undefined && !['query', 'code', 'web_message'].includes(mode)) {
    throw new OAuthError('invalid_request', `response_mode ${mode} is not supported (query or web_message)`)
  }
  const responseType = params.get('response_type') ?? undefined
  if (responseType === undefined && mode !== 'code' && mode !== 'web_message') {
    throw new OAuthError('invalid_request', 'response_type is required (code)')
  }
  if (responseType !== undefined && responseType !== 'code') {
    throw new OAuthError(
      'unsupported_response_type',
      `response_type ${responseType} is not supported: this authority issues authorization codes only (code)`,
    )
  }
  const codeChallenge = params.get('code_challenge') ?? undefined
  if (codeChallenge === undefined) {
    throw new OAuthError('invalid_request', 'code_challenge is required: PKCE with S256 (RFC 7636)')
  }
  if (params.get('code_challenge_method') !== 'S256') {
    throw new OAuthError('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)')
  }
  if (!isS256Challenge(codeChallenge)) {
    throw new OAuthError('invalid_request', 'code_challenge must be 43 base64url characters (S256)')
  }
  const nonce = params.get('nonce') ?? undefined
  if (nonce !== undefined && (nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH)) {
    throw new OAuthError('invalid_request', `nonce must be 1–${MAX_NONCE_LENGTH} characters`)
  }
  // Unknown scopes are ignored (RFC 6749 §3.3: the server may grant less; OIDC Core §3.1.2.1).
  const asked = new Set((params.get('scope') ?? '').split(' ').filter(Boolean))
  const scope = SUPPORTED_SCOPES.filter((name) => asked.has(name))

  const request: AuthorizeRequest = {
    ...target,
    ...(state !== undefined ? { state } : {}),
    codeChallenge,
    scope,
    ...(nonce !== undefined ? { nonce } : {}),
    promptNone: (params.get('prompt') ?? '').split(' ').includes('none'),
  }
  const login = loginOf(params)
  if (login) request.login = login
  return request
}

/**
 * The wallet login picket-js puts in the URL (§2.8): the signature and the address, the SIWE
 * context (`domain`, `uri`, `issuedAt`, `locale`; the chain id comes from `chain`, §9 #25) and
 * the requirement fields, as the body `POST /auth` takes (whose normalisation reads it).
 */
function loginOf(params: URLSearchParams): Record<string, unknown> | undefined {
  const walletAddress = params.get('walletAddress') ?? undefined
  const signature = params.get('signature') ?? undefined
  if (walletAddress === undefined && signature === undefined) return undefined
  if (!walletAddress || !signature) {
    throw new OAuthError('invalid_request', 'walletAddress and signature must be sent together')
  }
  const text = (name: string) => params.get(name) ?? undefined
  const list = (name: string) => (params.has(name) ? params.getAll(name) : undefined)
  return {
    chain: text('chain'),
    walletAddress,
    signature,
    contractAddress: text('contractAddress'),
    minTokenBalance: text('minTokenBalance'),
    creatorAddress: text('creatorAddress'),
    collection: list('collection'),
    tokenIds: list('tokenIds'),
    allowedWallets: list('allowedWallets'),
    context: { domain: text('domain'), uri: text('uri'), issuedAt: text('issuedAt'), locale: text('locale') },
  }
}

/** A parameter sent at most once (RFC 6749 §3.1), or undefined. */
function single(
  params: URLSearchParams,
  name: string,
  Kind: new (error: 'invalid_request', description: string) => OAuthError,
): string | undefined {
  const values = params.getAll(name)
  if (values.length > 1) throw new Kind('invalid_request', `${name} must not be repeated (RFC 6749 §3.1)`)
  return values[0]
}
