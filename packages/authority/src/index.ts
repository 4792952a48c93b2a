/**
 * `picket-authority`: a self-hostable, Picket API v1-compatible authority, as a Fastify
 * plugin (`createAuthority`) or a standalone server (`startAuthority`, and the
 * `picket-authority` CLI).
 */
export {
  type AuthorityConfig,
  AuthorityConfigError,
  type AuthorityConfigInput,
  type ChainOverrideInput,
  DEFAULT_NONCE_TTL_SECONDS,
  DEFAULT_TOKEN_TTL_SECONDS,
  type PrivateEcJwk,
  type ProjectConfig,
  type ProjectConfigInput,
  parseAuthorityConfig,
} from './config.js'
export { AuthorityError } from './errors.js'
export { createMemoryNonceStore, type MemoryNonceStoreOptions } from './nonces/memory-store.js'
export { createRedisNonceStore, type RedisNonceStoreOptions } from './nonces/redis-store.js'
export { type NonceStore, nonceKey } from './nonces/store.js'
export { createAuthority } from './plugin.js'
export type { AuthorityBalanceReader, AuthorityOptions } from './runtime.js'
export { API_PREFIX, type RunningAuthority, type StartAuthorityOptions, startAuthority } from './server.js'
export {
  MAX_SIGNING_KEYS,
  SIGNING_KEY_STATUSES,
  type SigningKeyEntry,
  type SigningKeyStatus,
} from './tokens/key-set.js'
export { generateSigningJwk } from './tokens/signing-key.js'
