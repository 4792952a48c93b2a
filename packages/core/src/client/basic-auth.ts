/**
 * `Authorization` header value for a Picket API key, byte-identical to picket-node:
 * `Basic` + one space + base64(key), with no `:` appended (reference §1.3). Built with
 * TextEncoder + btoa rather than Buffer so the client does not depend on Node-only globals;
 * the result equals `Buffer.from(key).toString('base64')` for every string.
 */
export function basicAuthorization(apiKey: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(apiKey)) binary += String.fromCharCode(byte)
  return `Basic ${btoa(binary)}`
}
