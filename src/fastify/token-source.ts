import type { FastifyRequest } from 'fastify'
import { COMPACT_JWS, MAX_TOKEN_LENGTH, parseBearerAuthorization } from 'picket-core'
import { badRequest, invalidToken } from './errors.js'
import type { CookieOptions, PicketPluginOptions } from './options.js'

interface TokenSourceOptions {
  realm: string
  cookie: CookieOptions | undefined
  extractToken: PicketPluginOptions['extractToken']
}

/** Node keeps only the first of repeated `Authorization` headers; the raw list shows them all. */
function countAuthorizationHeaders(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') count++
  }
  return count
}

function readCookie(request: FastifyRequest, cookie: CookieOptions, realm: string): string | undefined {
  const cookies = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies
  const value = cookies?.[cookie.name]
  if (value === undefined || value === '') return undefined
  if (!cookie.signed) return value
  const unsign = (
    request as FastifyRequest & { unsignCookie?: (v: string) => { valid: boolean; value: string | null } }
  ).unsignCookie
  const result = unsign?.call(request, value)
  if (!result?.valid || !result.value) throw invalidToken(realm, 'the session cookie signature is not valid')
  return result.value
}

/**
 * The bearer token of a request whose only credential is one `Authorization: Bearer …` header,
 * taken without the format checks, or `undefined` for anything else. Only for looking up the
 * verified-token cache: a hit means this exact string already passed `readRequestToken` and
 * verification, so the checks would give the same answer; a miss goes the full way.
 */
export function bearerCandidate(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined || header.length < 8) return undefined
  if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined
  if (countAuthorizationHeaders(request) !== 1) return undefined
  return header.slice(7).trim()
}

/**
 * The request's access token: `Authorization: Bearer …`, else the cookie, else `extractToken`.
 * `undefined` when there is none. A malformed header, two Authorization headers or an invalid
 * signed cookie are 401; a header and a cookie that disagree are 400 (which one did the client
 * mean?).
 */
export async function readRequestToken(
  request: FastifyRequest,
  options: TokenSourceOptions,
): Promise<string | undefined> {
  const { realm } = options
  if (countAuthorizationHeaders(request) > 1) throw invalidToken(realm, 'more than one Authorization header')
  const parsed = parseBearerAuthorization(request.headers.authorization)
  if (parsed.kind === 'malformed') throw invalidToken(realm, parsed.reason)
  const fromHeader = parsed.kind === 'token' ? parsed.token : undefined
  const fromCookie = options.cookie ? readCookie(request, options.cookie, realm) : undefined
  if (fromHeader !== undefined && fromCookie !== undefined && fromHeader !== fromCookie) {
    throw badRequest('the Authorization header and the session cookie hold different tokens')
  }
  const token =
    fromHeader ?? fromCookie ?? (options.extractToken ? await options.extractToken(request) : undefined)
  if (token === undefined || token === null || token === '') return undefined
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token))
    throw invalidToken(realm, 'the token is malformed')
  return token
}
