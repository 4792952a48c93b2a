/**
 * `picket-core/server`: what the Fastify plugin and the Express middleware share, so the two
 * adapters stay thin and behave the same: option rules, the route gate, `/authz`, the helper
 * routes' logic, the refusals (status, code, challenge) and the Redis revocation list. An
 * adapter supplies how its framework shows a request and what its errors look like.
 */
export * from './allowed-domain.js'
export * from './authorizer.js'
export * from './domain-options.js'
export * from './engine.js'
export * from './gate.js'
export * from './helper-actions.js'
export * from './options.js'
export * from './rate-limit-options.js'
export * from './refusals.js'
export * from './revocation.js'
export * from './token-source.js'
export * from './upstream.js'
export * from './verify-options.js'
