/**
 * Picket API v1 client (framework-neutral). Import from `picket-core/client` (or `fastify-picket/client`).
 */
export type { CallOptions, PicketClientOptions } from './client-options.js'
export { DEFAULT_BASE_URL, DEFAULT_TIMEOUT } from './client-options.js'
export {
  PicketAbortError,
  PicketAPIError,
  PicketArgumentError,
  PicketConfigError,
  PicketError,
  type PicketErrorCode,
  PicketNetworkError,
  PicketResponseFormatError,
  PicketTimeoutError,
  PicketUnexpectedResponseError,
  type RequestIdentity,
} from './errors.js'
export { PicketClient } from './picket-client.js'
export { createRemoteVerifier, type RemoteVerifierOptions } from './remote-verifier.js'
export type { TokenOwnershipResult } from './response-shapes.js'
export { parseRetryAfter } from './retry-after.js'
export {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  type RetryOptions,
  type RetryPolicy,
} from './retry-policy.js'
export { classifyUpstreamError } from './upstream-errors.js'
export { DEFAULT_USER_AGENT, PACKAGE_VERSION } from './version.js'
