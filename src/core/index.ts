/**
 * `fastify-picket/core`: the framework-neutral core, re-exported from `picket-core` so that a
 * Fastify app needs one package name. Express and the authority import `picket-core` directly.
 */
export * from 'picket-core'
