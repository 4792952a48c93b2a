import type { FastifyError } from 'fastify'
import type { PicketErrorBody } from 'picket-core'
import { RequirementsError, retryAfterSeconds, SigningMessageError } from 'picket-core'
import { ChainEndpointsDownError, ChainError, ChainRpcNotConfiguredError } from './chains/errors.js'
import { AuthorityError } from './errors.js'

export interface ErrorReply {
  statusCode: number
  body: Required<PicketErrorBody>
  /** Response headers the answer needs (Retry-After on 503). */
  headers?: Record<string, string>
}

/** Fastify's own request errors, as Picket-style bodies (§1.6: the SDKs parse every body as JSON). */
const FASTIFY_ERRORS: Record<string, (error: FastifyError, bodyLimit: number) => ErrorReply> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    reply(415, 'unsupported_media_type', 'Content-Type must be application/json'),
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, limit) =>
    reply(413, 'payload_too_large', `Request body is larger than the limit of ${limit} bytes`),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => reply(400, 'parameter_invalid', 'Request body must be a JSON object'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => reply(400, 'parameter_invalid', 'Request body is not valid JSON'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    reply(400, 'parameter_invalid', 'Request body length does not match Content-Length'),
}

function reply(statusCode: number, code: string, msg: string): ErrorReply {
  return { statusCode, body: { msg, code } }
}

/**
 * Maps any error thrown while serving a request to `{ status, { msg, code } }`. Client mistakes
 * are 4xx with a message naming the problem; only genuine server faults are 500, with a generic
 * message (the details go to the log, not to the client).
 */
export function errorReplyFor(error: unknown, bodyLimit: number): ErrorReply {
  if (error instanceof AuthorityError && error.retryAfter !== undefined) {
    return {
      ...reply(error.statusCode, error.code, error.message),
      headers: { 'retry-after': String(retryAfterSeconds(error.retryAfter)) },
    }
  }
  if (error instanceof ChainRpcNotConfiguredError || error instanceof ChainEndpointsDownError) {
    return {
      ...reply(error.statusCode, error.code, error.message),
      headers: { 'retry-after': String(error.retryAfter) },
    }
  }
  if (error instanceof AuthorityError || error instanceof ChainError) {
    return reply(error.statusCode, error.code, error.message)
  }
  if (error instanceof RequirementsError || error instanceof SigningMessageError) {
    return reply(400, 'parameter_invalid', error.message)
  }
  const fastifyError = error as Partial<FastifyError> | undefined
  if (fastifyError?.code && Object.hasOwn(FASTIFY_ERRORS, fastifyError.code)) {
    return FASTIFY_ERRORS[fastifyError.code]!(error as FastifyError, bodyLimit)
  }
  if (fastifyError?.validation)
    return reply(400, 'parameter_invalid', fastifyError.message ?? 'Invalid request')
  const status = fastifyError?.statusCode
  // @fastify/rate-limit (it has set Retry-After on the reply already).
  if (status === 429) return reply(429, 'rate_limited', fastifyError?.message ?? 'Too many requests')
  // Other 4xx raised by Fastify or its parsers (e.g. a poisoned JSON body): the client's fault.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply(
      status,
      status === 404 ? 'resource_not_found' : 'parameter_invalid',
      fastifyError?.message ?? 'Bad request',
    )
  }
  if (status === 503) return reply(503, 'service_unavailable', fastifyError?.message ?? 'Service unavailable')
  return reply(500, 'internal_error', 'Internal server error')
}
