/**
 * express-picket the way an Express user meets it: the packed tarballs installed into a fresh
 * app with express@5 (no Fastify anywhere in its tree), README.md's Express code compiled by the
 * app's own `tsc --strict` (skipLibCheck off) and run with plain `node` against the packed
 * authority's CLI (installed in an app of its own): a fresh wallet signs in through
 * `picketRouter()`, and /me answers 401 without a token, 200 with it, 401 with a tampered one.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import t from 'tap'
import { installApp, KEEP_TMP, packAll, readmeSnippet } from './support/consumer-app.js'
import { flipSignature, LOGIN_MJS, TSC_FLAGS } from './support/consumer-suite.js'
import { childEnv, run, runDetails, startProcess, stopProcess } from './support/processes.js'

const SECRET_KEY = 'sk_packaging_express_test'
const SIGN_IN_DOMAIN = 'localhost:3000'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const root = await mkdtemp(join(tmpdir(), 'express-picket-consumer-'))
t.teardown(() => (KEEP_TMP ? t.comment(`kept ${root}`) : rm(root, { recursive: true, force: true })))
const packDir = join(root, 'packs')
await mkdir(packDir)
const pack = await packAll(packDir)
t.comment(`packed in ${pack.ms} ms (after waiting ${pack.waitedMs} ms for another file's pack)`)

const app = await installApp(root, 'app', pack, ['express-picket', 'picket-core'], 'express@5', [
  '@types/express',
])
const dir = app.dir
const bin = (name: string) => join(dir, 'node_modules', '.bin', name)

t.test('the Express app installs no Fastify, and one express: the app’s', async (t) => {
  t.match(await app.installedVersion('express'), /^5\./)
  const ls = await app.npm(['ls', '--all', '--parseable'])
  t.equal(ls.code, 0, 'npm ls succeeds (no invalid or missing peer)', runDetails(ls))
  const installed = ls.stdout.split('\n').map((path) => relative(join(dir, 'node_modules'), path))
  for (const absent of ['fastify', 'fastify-plugin', '@fastify/error', 'fastify-picket', 'viem', 'ioredis']) {
    t.notOk(installed.includes(absent), `${absent} is not installed with express-picket`)
  }
  const expressCopies = installed.filter(
    (path) => path === 'express' || path.endsWith('/node_modules/express'),
  )
  t.same(expressCopies, ['express'], 'one copy of express')
  const manifest = pack.packages.get('express-picket')!.manifest
  t.notOk(manifest.dependencies?.express, 'express is not a dependency of its own')
  t.ok(manifest.peerDependencies?.express, 'express is a peer dependency')
})

t.test('README.md’s Express code compiles and runs against the packed authority', async (t) => {
  const snippet = await readmeSnippet('## Express')
  const projectId = /const PROJECT_ID = '([^']+)'/.exec(snippet)?.[1]
  if (!projectId) return t.fail('the README snippet declares PROJECT_ID')
  t.ok(snippet.includes('127.0.0.1:8787'), 'the snippet points at the authority on 127.0.0.1:8787')
  t.ok(snippet.includes('app.listen(3000'), 'the snippet listens on port 3000')

  await writeFile(join(dir, 'app.ts'), snippet)
  const compiled = await run(bin('tsc'), [...TSC_FLAGS, '--noEmit', 'app.ts'], {
    cwd: dir,
    timeoutMs: 120_000,
  })
  t.equal(compiled.code, 0, 'README Express code compiles (strict, skipLibCheck off)', runDetails(compiled))

  // The authority in an app of its own (it brings Fastify; the Express app must not).
  const authorityApp = await installApp(
    root,
    'authority',
    pack,
    ['picket-core', 'picket-authority'],
    'fastify@5',
  )
  await writeFile(
    join(authorityApp.dir, 'authority.json'),
    JSON.stringify({
      signingKeyFile: join(authorityApp.dir, '.picket-authority', 'signing-key.json'),
      projects: [
        {
          id: projectId,
          publishableKey: 'pk_express',
          secretKey: SECRET_KEY,
          allowedDomains: [SIGN_IN_DOMAIN],
        },
      ],
    }),
  )
  const authority = startProcess(
    join(authorityApp.dir, 'node_modules', '.bin', 'picket-authority'),
    ['--config', 'authority.json', '--port', '0'],
    {
      cwd: authorityApp.dir,
      timeoutMs: 30_000,
      ready: /^Picket authority listening on (http:\/\/(127\.0\.0\.1:\d+)\/api\/v1)$/,
    },
  )
  t.teardown(() => stopProcess(authority.child))
  const { match } = await authority.ready
  const authorityHost = match[2]!

  const port = await freePort()
  const server = snippet
    .replaceAll('127.0.0.1:8787', authorityHost)
    .replace('app.listen(3000', `app.listen(${port}`)
  await writeFile(join(dir, 'server.ts'), server)
  const tsc = await run(bin('tsc'), [...TSC_FLAGS, '--outDir', 'build', '--rootDir', '.', 'server.ts'], {
    cwd: dir,
    timeoutMs: 120_000,
  })
  t.equal(tsc.code, 0, 'server.ts (the README code, ports substituted) compiles', runDetails(tsc))
  if (tsc.code !== 0) return
  const readmeApp = startProcess('node', [join('build', 'server.js')], {
    cwd: dir,
    timeoutMs: 30_000,
    env: childEnv({ PICKET_SECRET_KEY: SECRET_KEY }),
    ready: /Server listening at/,
  })
  t.teardown(() => stopProcess(readmeApp.child))
  await readmeApp.ready
  const base = `http://127.0.0.1:${port}`

  const getMe = (token?: string) =>
    fetch(`${base}/me`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    })
  const anonymous = await getMe()
  t.equal(anonymous.status, 401, 'GET /me without a token: 401')
  t.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="picket"')
  t.equal(
    ((await anonymous.json()) as { code: string }).code,
    'PICKET_NO_TOKEN',
    'as JSON (picketErrorHandler)',
  )

  // The front end's part runs where viem is installed: the authority's app.
  await writeFile(join(authorityApp.dir, 'login.mjs'), LOGIN_MJS)
  const login = await run('node', ['login.mjs', base, SIGN_IN_DOMAIN], {
    cwd: authorityApp.dir,
    timeoutMs: 60_000,
  })
  t.equal(login.code, 0, 'login.mjs: nonce, sign, login through picketRouter()', runDetails(login))
  if (login.code !== 0) return
  const result = JSON.parse(login.stdout) as {
    address: string
    nonce: { status: number; body: unknown }
    login?: { status: number; body: { accessToken?: string } }
  }
  t.equal(result.nonce.status, 200, 'POST /auth/nonce: 200', { body: result.nonce.body })
  t.equal(result.login?.status, 200, 'POST /auth/login: 200', { body: result.login?.body })
  const token = result.login?.body.accessToken
  if (typeof token !== 'string') return t.fail('/auth/login gave no access token')

  const me = await getMe(token)
  t.equal(me.status, 200, 'GET /me with the token: 200')
  t.equal(((await me.json()) as { wallet?: string }).wallet?.toLowerCase(), result.address.toLowerCase())
  const tampered = await getMe(flipSignature(token))
  t.equal(tampered.status, 401, 'GET /me with a changed signature: 401')
  t.match(tampered.headers.get('www-authenticate') ?? '', /^Bearer realm="picket", error="invalid_token"/)
})
