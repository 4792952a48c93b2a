import type { Request } from 'express'
import type { Gate, RequestAccess } from 'picket-core/server'

type CookieRequest = Request & {
  cookies?: Record<string, unknown>
  signedCookies?: Record<string, unknown>
  secret?: string
}

/**
 * How the shared token reader sees an Express request. Cookies come through cookie-parser: a
 * signed cookie whose signature does not verify is `false` in `req.signedCookies` (and absent
 * from `req.cookies`), which the reader refuses with 401.
 */
export const expressRequestAccess: RequestAccess<Request> = {
  authorization: (request) => request.headers.authorization,
  rawHeaders: (request) => request.rawHeaders,
  cookie(request, cookie) {
    const { cookies, signedCookies } = request as CookieRequest
    if (!cookie.signed) {
      const value = cookies?.[cookie.name]
      return typeof value === 'string' ? value : undefined
    }
    const value = signedCookies?.[cookie.name]
    if (value === false) return false
    if (typeof value === 'string') return value
    // cookie-parser leaves a signed-looking cookie it could not unsign in neither list when it
    // has no secret; an unsigned cookie of that name is not a session either.
    return typeof cookies?.[cookie.name] === 'string' ? false : undefined
  },
}

/** Is cookie-parser mounted (with a secret, when the cookie is signed)? Else says what to do. */
export function cookieSupportProblem(request: Request, signed: boolean): string | undefined {
  const { cookies, secret } = request as CookieRequest
  if (cookies === undefined)
    return 'needs cookie-parser mounted before picket(): app.use(cookieParser(secret))'
  if (signed && !secret) return 'is signed: mount cookie-parser with a secret: app.use(cookieParser(secret))'
  return undefined
}

/**
 * A gate's synchronous cache hit, applied: sets `req.picketToken` / `req.picketUser` and answers
 * true, or false when the request must take the gate's full check.
 */
export function takeCacheHit(request: Request, gate: Gate<Request>): boolean {
  const hit = gate.provenHit?.(request.headers.authorization, request.rawHeaders, request.socket)
  if (hit === undefined) return false
  request.picketToken = hit.token
  request.picketUser = hit.claims
  request.picketGate = hit.gate ?? null
  return true
}
