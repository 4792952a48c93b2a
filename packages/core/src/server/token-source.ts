import { COMPACT_JWS, MAX_TOKEN_LENGTH, parseBearerAuthorization } from '../core/index.js'
import type { CookieOptions, TokenExtractor } from './options.js'
import type { Refusals } from './refusals.js'

/** How one framework shows a request's credentials to the token reader. */
export interface RequestAccess<Req> {
  /** The (first) `Authorization` header. */
  authorization(request: Req): string | undefined
  /** Node's raw header list (name, value, name, value…): repeated headers show up only here. */
  rawHeaders(request: Req): readonly string[]
  /**
   * The session cookie's value as sent, unsigned when `cookie.signed`; `false` when it is
   * signed and the signature does not verify; `undefined` when the request has none.
   */
  cookie(request: Req, cookie: CookieOptions): string | undefined | false
}

interface TokenSourceOptions<Req> {
  realm: string
  cookie: CookieOptions | undefined
  extractToken: TokenExtractor<Req> | undefined
}

/** Node keeps only the first of repeated `Authorization` headers; the raw list shows them all. */
export function countAuthorizationHeaders(raw: readonly string[]): number {
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') count++
  }
  return count
}

/**
 * The bearer token of a request whose only credential is one `Authorization: Bearer …` header,
 * taken without the format checks, or `undefined` for anything else. Only for looking up the
 * verified-token cache: a hit means this exact string already passed `readRequestToken` and
 * verification, so the checks would give the same answer; a miss goes the full way.
 */
export function bearerCandidate(
  header: string | undefined,
  rawHeaders: readonly string[],
): string | undefined {
  if (header === undefined || header.length < 8) return undefined
  if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined
  if (countAuthorizationHeaders(rawHeaders) !== 1) return undefined
  return header.slice(7).trim()
}

/**
 * The request's access token: `Authorization: Bearer …`, else the cookie, else `extractToken`.
 * `undefined` when there is none. A malformed header, two Authorization headers or an invalid
 * signed cookie are 401; a header and a cookie that disagree are 400 (which one did the client
 * mean?).
 */
export async function readRequestToken<Req>(
  request: Req,
  access: RequestAccess<Req>,
  options: TokenSourceOptions<Req>,
  refusals: Refusals,
): Promise<string | undefined> {
  const { realm } = options
  if (countAuthorizationHeaders(access.rawHeaders(request)) > 1) {
    throw refusals.invalidToken(realm, 'more than one Authorization header')
  }
  const parsed = parseBearerAuthorization(access.authorization(request))
  if (parsed.kind === 'malformed') throw refusals.invalidToken(realm, parsed.reason)
  const fromHeader = parsed.kind === 'token' ? parsed.token : undefined
  let fromCookie: string | undefined
  if (options.cookie) {
    const value = access.cookie(request, options.cookie)
    if (value === false) throw refusals.invalidToken(realm, 'the session cookie signature is not valid')
    fromCookie = value === '' ? undefined : value
  }
  if (fromHeader !== undefined && fromCookie !== undefined && fromHeader !== fromCookie) {
    throw refusals.badRequest('the Authorization header and the session cookie hold different tokens')
  }
  const token =
    fromHeader ?? fromCookie ?? (options.extractToken ? await options.extractToken(request) : undefined)
  if (token === undefined || token === null || token === '') return undefined
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token))
    throw refusals.invalidToken(realm, 'the token is malformed')
  return token
}
