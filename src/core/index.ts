/**
 * `fastify-picket/core`: framework-neutral Picket semantics shared by the client, the Fastify
 * plugin and the bundled authority.
 */

export * from './access-token-claims.js'
export * from './bearer-token.js'
export * from './chain-type.js'
export * from './decimal.js'
export * from './errors.js'
export * from './jwks-key-resolver.js'
export * from './local-verifier.js'
export * from './meets-requirements.js'
export * from './remote-verifier.js'
export * from './requirements.js'
export * from './signing-message.js'
export * from './single-flight-cache.js'
export * from './token-balances.js'
export * from './token-errors.js'
export type * from './token-verifier.js'
export type * from './types.js'
export * from './upstream-errors.js'
export * from './verified-token-cache.js'
export * from './www-authenticate.js'
