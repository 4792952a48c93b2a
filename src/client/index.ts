/**
 * `fastify-picket/client`: the Picket API v1 client, re-exported from `picket-core/client` so that
 * a Fastify app needs one package name.
 */
export * from 'picket-core/client'
