import { apiKeyDigestsEqual, digestApiKey, parseBasicCredentials } from '../api-key.js'
import type { ProjectConfig } from '../config.js'
import type { AuthorityRuntime } from '../runtime.js'
import { OAuthError } from './errors.js'

/** The client of a token or revocation request: a project, and whether it proved its secret. */
export interface OAuthClient {
  readonly project: ProjectConfig
  /** Authenticated with the secret key (`client_secret_basic` / `_post`, or Picket's secret key). */
  readonly confidential: boolean
}

const INVALID_CLIENT = 'Client authentication failed: unknown client or wrong client secret'

/**
 * Authenticates the client of `/oauth2/token` and `/oauth2/revoke` (RFC 6749 §2.3), with the
 * project's keys as credentials: `client_id` is the publishable key (Picket's OAuth client id,
 * §1.2), `client_secret` the secret key. Accepted:
 *   - `Authorization: Basic` as picket-js sends it — `Basic  b64(publishableKey)`, no colon: a
 *     public client, PKCE is its proof;
 *   - `Basic b64(secretKey)` (Picket's API-key convention, §1.3): the project, confidential;
 *   - `Basic b64(client_id:client_secret)` (`client_secret_basic`);
 *   - `client_id` + `client_secret` in the body (`client_secret_post`), or `client_id` alone (`none`).
 * Two methods at once are refused (§2.3), as is a body `client_id` naming another client.
 */
export function authenticateClient(
  runtime: AuthorityRuntime,
  authorization: string | undefined,
  body: { client_id?: string | undefined; client_secret?: string | undefined },
): OAuthClient {
  const headerUsed = authorization !== undefined && authorization.trim() !== ''
  if (headerUsed) {
    if (body.client_secret !== undefined) {
      throw new OAuthError('invalid_request', 'Use one client authentication method: Basic or client_secret')
    }
    const credentials = parseBasicCredentials(authorization)
    if (!credentials) throw invalidClient(true)
    const client =
      credentials.password === undefined
        ? byApiKey(runtime, credentials.user)
        : bySecret(runtime, credentials.user, credentials.password)
    if (!client) throw invalidClient(true)
    if (body.client_id !== undefined && body.client_id !== client.project.publishableKey) {
      throw new OAuthError('invalid_request', 'client_id does not name the authenticated client')
    }
    return client
  }
  if (body.client_id === undefined) {
    throw new OAuthError('invalid_client', 'Client authentication is required: send client_id', {
      status: 401,
    })
  }
  const client =
    body.client_secret === undefined
      ? publicClient(runtime, body.client_id)
      : bySecret(runtime, body.client_id, body.client_secret)
  if (!client) throw invalidClient(false)
  return client
}

/** The client a bare key names: publishable → public, secret → confidential. */
function byApiKey(runtime: AuthorityRuntime, key: string): OAuthClient | undefined {
  const match = runtime.projects.findByApiKey(key)
  if (!match) return undefined
  return { project: match.project, confidential: match.keyType === 'secret' }
}

function publicClient(runtime: AuthorityRuntime, clientId: string): OAuthClient | undefined {
  const match = runtime.projects.findByApiKey(clientId)
  // A secret key as client_id is refused, not promoted: client ids travel in URLs and logs.
  if (match?.keyType !== 'publishable') return undefined
  return { project: match.project, confidential: false }
}

/** `client_id` (publishable key) + `client_secret` (its project's secret key), in constant time. */
function bySecret(runtime: AuthorityRuntime, clientId: string, secret: string): OAuthClient | undefined {
  const client = publicClient(runtime, clientId)
  const expected = digestApiKey(client ? client.project.secretKey : '\0')
  const matches = apiKeyDigestsEqual(digestApiKey(secret), expected)
  return client && matches ? { project: client.project, confidential: true } : undefined
}

function invalidClient(viaHeader: boolean): OAuthError {
  return new OAuthError('invalid_client', INVALID_CLIENT, {
    status: 401,
    ...(viaHeader ? { challenge: 'Basic realm="picket"' } : {}),
  })
}
