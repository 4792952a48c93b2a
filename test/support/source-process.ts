/**
 * Node arguments for a child process that runs this repository's TypeScript sources: tsx as the
 * loader, and the workspace packages (`picket-core`, `picket-authority`, `fastify-picket`)
 * resolved to their sources through the `picket-source` export condition. tsx alone would only
 * map them through tsconfig.json's `paths` when the child's cwd is inside the repository; a
 * child started in a temporary folder would otherwise load the (possibly stale, possibly
 * missing) dist/.
 */
import { resolve } from 'node:path'

const TSX = resolve(import.meta.dirname, '../../node_modules/tsx/dist/esm/index.mjs')

export const SOURCE_NODE_ARGS: readonly string[] = ['--conditions=picket-source', '--import', TSX]
