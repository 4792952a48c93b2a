import type { FastifyRequest } from 'fastify'
import type { RequestAccess } from 'picket-core/server'

type CookieRequest = FastifyRequest & {
  cookies?: Record<string, string | undefined>
  unsignCookie?: (value: string) => { valid: boolean; value: string | null }
}

/** How the shared token reader sees a Fastify request (cookies through @fastify/cookie). */
export const fastifyRequestAccess: RequestAccess<FastifyRequest> = {
  authorization: (request) => request.headers.authorization,
  rawHeaders: (request) => request.raw.rawHeaders,
  cookie(request, cookie) {
    const { cookies, unsignCookie } = request as CookieRequest
    const value = cookies?.[cookie.name]
    if (value === undefined || value === '') return undefined
    if (!cookie.signed) return value
    const result = unsignCookie?.call(request, value)
    if (!result?.valid || !result.value) return false
    return result.value
  },
}
