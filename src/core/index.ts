/**
 * `fastify-picket/core`: framework-neutral Picket semantics shared by the client, the Fastify
 * plugin and the bundled authority.
 */
export * from './decimal.js'
export * from './errors.js'
export * from './meets-requirements.js'
export * from './requirements.js'
export * from './signing-message.js'
export * from './token-balances.js'
export type * from './types.js'
