/**
 * Package version sent in the default User-Agent. A constant rather than a package.json read so
 * the client works bundled and outside Node; a test keeps it equal to package.json.
 */
export const PACKAGE_VERSION = '0.1.0'

/** Default `User-Agent` header value. */
export const DEFAULT_USER_AGENT = `fastify-picket/${PACKAGE_VERSION}`
