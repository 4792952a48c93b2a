import { OAuthError } from './errors.js'

/** The parameters of a token or revocation request this server reads. */
export interface TokenRequest {
  grant_type?: string
  code?: string
  redirect_uri?: string
  code_verifier?: string
  refresh_token?: string
  client_id?: string
  client_secret?: string
  token?: string
  token_type_hint?: string
}

const NAMES: readonly (keyof TokenRequest)[] = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
  'token',
  'token_type_hint',
]

/**
 * The body of a token request as JSON (picket-js, §2.9) or form-encoded (RFC 6749 §4.1.3):
 * every parameter a string, none repeated (§3.2), unknown ones ignored (§3.2: "MUST ignore
 * unrecognized request parameters"). `""` counts as absent, as picket's SDK bodies do (§9 #4).
 */
export function readTokenRequest(body: unknown): TokenRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'The request body must be a JSON object or a form-encoded body')
  }
  const fields = body as Record<string, unknown>
  const request: TokenRequest = {}
  for (const name of NAMES) {
    const value = fields[name]
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `${name} must not be repeated`)
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be a string`)
    request[name] = value
  }
  return request
}

/**
 * `application/x-www-form-urlencoded` bodies through the platform's URLSearchParams; a repeated
 * parameter becomes a list (refused by `readTokenRequest`), never its first or last value.
 */
export function parseFormBody(text: string): Record<string, string | string[]> {
  const params = new URLSearchParams(text)
  const body: Record<string, string | string[]> = Object.create(null)
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name)
    body[name] = values.length === 1 ? values[0]! : values
  }
  return body
}
