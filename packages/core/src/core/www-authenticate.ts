/** RFC 6750 §3 error codes used in `WWW-Authenticate: Bearer` challenges. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/**
 * Quoted-string per RFC 7230: backslash-escape `"` and `\`, drop control characters, and write
 * `?` for anything outside ASCII (RFC 6750 §3 allows only printable ASCII in these values, and
 * Node refuses to send a header with a character beyond Latin-1, e.g. a gate label's "–").
 */
function quote(value: string): string {
  return `"${value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/[^\u0020-\u007e]/g, '?')
    .replace(/["\\]/g, '\\$&')}"`
}

/** Builds a `WWW-Authenticate` value, e.g. `Bearer realm="api", error="invalid_token"`. */
export function bearerChallenge(options: {
  realm: string
  error?: BearerErrorCode
  description?: string
}): string {
  const parts = [`realm=${quote(options.realm)}`]
  if (options.error) parts.push(`error=${quote(options.error)}`)
  if (options.error && options.description) parts.push(`error_description=${quote(options.description)}`)
  return `Bearer ${parts.join(', ')}`
}
