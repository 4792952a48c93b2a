/**
 * The sign-in page at `/`: plain HTML plus one ES module. The module (page/browser.ts) is
 * bundled with esbuild when the app starts, so the page builds its SIWE message with the very
 * `createSigningMessage` of `src/core` that the authority uses to check it: no second copy of
 * the algorithm that could drift by a byte.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { FastifyInstance } from 'fastify'
import type { GatedRoute } from './routes.js'

/** What the page needs to know about this server; served as `/example.json`. */
export interface PageConfig {
  chain: string
  chainId: number
  routes: readonly GatedRoute[]
}

const pageFile = (name: string) => fileURLToPath(new URL(`./page/${name}`, import.meta.url))

export async function bundlePageScript(): Promise<string> {
  const result = await build({
    entryPoints: [pageFile('browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

// Scripts only from this origin; the page talks only to this origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export async function registerPage(app: FastifyInstance, config: PageConfig): Promise<void> {
  const [html, css, script] = await Promise.all([
    readFile(pageFile('index.html'), 'utf8'),
    readFile(pageFile('style.css'), 'utf8'),
    bundlePageScript(),
  ])
  const publicConfig = {
    chain: config.chain,
    chainId: config.chainId,
    routes: config.routes.map(({ path, who, how }) => ({ path, who, how })),
  }
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .send(html),
  )
  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(css))
  app.get('/browser.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script))
  app.get('/example.json', async () => publicConfig)
}
