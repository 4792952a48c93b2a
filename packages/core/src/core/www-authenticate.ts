/** RFC 6750 §3 error codes used in `WWW-Authenticate: Bearer` challenges. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/** Quoted-string per RFC 7230: backslash-escape `"` and `\`, and drop control characters. */
function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["\\]/g, '\\$&')}"`
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
