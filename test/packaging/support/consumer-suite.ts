/**
 * The consumer test, run once per supported fastify version (one test file each): the packed
 * packages installed into a fresh app, checked the way a user meets them.
 *   1. the tarballs hold every file their manifests point at;
 *   2. `npm ls fastify`: one fastify, the app's, shared by the plugin and the authority (a peer
 *      dependency of both; no nested copy);
 *   3. README.md's plugin code (and every entry point) compiles with the app's own `tsc --strict`,
 *      skipLibCheck off; the authority mounted as a plugin of the app's fastify compiles too;
 *   4. `require()` of every package, and `picket-authority --help`;
 *   5. the README's plugin code, ports substituted, runs with plain `node` against the packed
 *      authority's CLI: a fresh wallet signs in through the plugin's helper routes, and /me answers
 *      401 without a token, 200 with it, 401 with a tampered one;
 *   6. with `devChainWalkthrough`: README.md's "From an empty directory to a token gate", step by
 *      step (support/devchain-walkthrough.ts): the dev chain, the authority, a token gate, 200/403.
 */
import { writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Test } from 'tap'
import {
  type ConsumerApp,
  createConsumerApp,
  createPluginOnlyApp,
  entryPointFiles,
  KEEP_TMP,
  PACKAGES,
  readmePluginSnippet,
} from './consumer-app.js'
import { devChainWalkthrough } from './devchain-walkthrough.js'
import { childEnv, run, runDetails, startProcess, stopProcess } from './processes.js'

/**
 * A strict NodeNext project that also checks every .d.ts it loads (skipLibCheck off: the
 * packages' declarations and those of their dependencies must hold up in a user's strict build).
 * `--types node`, as a Node app's tsconfig would say: the snippet reads `process.env`.
 */
export const TSC_FLAGS = [
  '--strict',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--skipLibCheck',
  'false',
  '--types',
  'node',
]

const SECRET_KEY = 'sk_packaging_consumer_test'
const PUBLISHABLE_KEY = 'pk_packaging_consumer_test'
/** The SIWE domain the README snippet allows, and the authority's project with it. */
const SIGN_IN_DOMAIN = 'localhost:3000'

/** Every public entry point, type-checked through the shipped `types` conditions. */
const ENTRY_POINTS_TS = `import picket, { fastifyPicket } from 'fastify-picket'
import { PicketClient } from 'fastify-picket/client'
import { createSigningMessage } from 'fastify-picket/core'
import { createSigningMessage as coreCreateSigningMessage } from 'picket-core'
import { PicketClient as CorePicketClient } from 'picket-core/client'
import { createAuthority, generateSigningJwk, startAuthority } from 'picket-authority'

// fastify-picket/core and /client re-export picket-core: one class, one function.
export const client: CorePicketClient = new PicketClient('sk_entry_points')
export const sign: typeof coreCreateSigningMessage = createSigningMessage
export const plugin: typeof fastifyPicket = picket
export const authority = [createAuthority, generateSigningJwk, startAuthority]
`

/** The README's "Mount it in your app": the authority as a plugin of the app's own fastify. */
const AUTHORITY_MOUNT_TS = `import Fastify from 'fastify'
import { createAuthority, generateSigningJwk } from 'picket-authority'

const app = Fastify()
await app.register(
  createAuthority({
    issuer: 'http://127.0.0.1:3000/api/v1',
    signingKey: await generateSigningJwk(),
    projects: [{ id: 'p1', publishableKey: 'pk_p1', secretKey: 'sk_p1', allowedDomains: ['localhost:3000'] }],
  }),
  { prefix: '/api/v1' },
)
`

/**
 * A user's front end, as a script of the app: a fresh wallet (viem, installed with
 * picket-authority), the plugin's /auth/nonce, picket-core's SIWE message, /auth/login.
 * Prints one JSON line.
 */
export const LOGIN_MJS = `import { createSigningMessage } from 'picket-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'

const [base, domain] = process.argv.slice(2)
const account = privateKeyToAccount(generatePrivateKey())
async function post(path, body) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, body: json }
}
const nonce = await post('/auth/nonce', { chain: 'ethereum', walletAddress: account.address })
let login
if (nonce.status === 200) {
  const context = {
    domain,
    uri: 'http://' + domain,
    issuedAt: new Date().toISOString(),
    chainId: 1,
    chainType: 'ethereum',
  }
  const message = createSigningMessage({ ...nonce.body, walletAddress: account.address, ...context })
  const signature = await account.signMessage({ message })
  login = await post('/auth/login', { chain: 'ethereum', walletAddress: account.address, signature, context })
}
console.log(JSON.stringify({ address: account.address, nonce, login }))
`

/** The require() side of every package (Node >= 20.19 loads ESM through require). */
const REQUIRE_JS = `const plugin = require('fastify-picket')
const pluginCore = require('fastify-picket/core')
const pluginClient = require('fastify-picket/client')
const core = require('picket-core')
const client = require('picket-core/client')
const authority = require('picket-authority')
console.log(JSON.stringify({
  'fastify-picket resolves to its dist/': require.resolve('fastify-picket').includes('/node_modules/fastify-picket/dist/'),
  'fastify-picket default': typeof plugin.default,
  'fastify-picket fastifyPicket is the default': plugin.fastifyPicket === plugin.default,
  'fastify-picket plugin name': plugin.default[Symbol.for('fastify.display-name')] ?? null,
  'fastify-picket/core is picket-core': pluginCore.createSigningMessage === core.createSigningMessage,
  'fastify-picket/client is picket-core/client': pluginClient.PicketClient === client.PicketClient,
  'picket-core createSigningMessage': typeof core.createSigningMessage,
  'picket-core/client PicketClient': typeof client.PicketClient,
  'picket-authority createAuthority': typeof authority.createAuthority,
  'picket-authority startAuthority': typeof authority.startAuthority,
  'picket-authority generateSigningJwk': typeof authority.generateSigningJwk,
}))
`

/** `a.b.c` with one character of its signature segment changed. */
export function flipSignature(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const i = Math.floor(signature.length / 2)
  const changed = signature[i] === 'A' ? 'B' : 'A'
  return `${header}.${payload}.${signature.slice(0, i)}${changed}${signature.slice(i + 1)}`
}

/** The same token with another wallet in its claims, its signature kept. */
function forgeWallet(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  const forged = { ...claims, walletAddress: '0x000000000000000000000000000000000000dEaD' }
  return `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`
}

export interface ConsumerSuiteOptions {
  /** What `npm install` gets, e.g. `fastify@5` or `fastify@5.0.0`. */
  fastifySpec: string
  /** The fastify version the app must end up with. */
  fastifyVersion: RegExp
  /** Also follow the README's dev-chain walkthrough in the app (one fastify version is enough). */
  devChainWalkthrough?: boolean
}

export async function consumerSuite(t: Test, options: ConsumerSuiteOptions): Promise<void> {
  const fileStarted = Date.now()
  let app: ConsumerApp | undefined
  t.teardown(async () => {
    if (KEEP_TMP && app) t.comment(`kept ${app.root}`)
    await app?.remove()
  })

  await t.test(
    `pack the three packages and install them into a fresh app with ${options.fastifySpec}`,
    async (t) => {
      app = await createConsumerApp(options.fastifySpec)
      t.comment(
        `packed in ${app.pack.ms} ms (after waiting ${app.pack.waitedMs} ms for another file's pack), installed in ${app.installMs} ms`,
      )
      t.match(
        await app.installedVersion('fastify'),
        options.fastifyVersion,
        'the app has the fastify it asked for',
      )
      for (const name of PACKAGES) t.ok(app.pack.packages.get(name), `${name} was packed`)
    },
  )
  if (!app) return
  const dir = app.dir
  const bin = (name: string) => join(dir, 'node_modules', '.bin', name)

  await t.test('each tarball holds the files its manifest points at', async (t) => {
    for (const packed of app!.pack.packages.values()) {
      const where = `${packed.name}@${packed.version}`
      for (const file of entryPointFiles(packed.manifest)) {
        t.ok(packed.files.has(file), `${where} ships ${file} (main, types, bin or exports)`)
      }
      for (const [name, file] of Object.entries(packed.manifest.bin ?? {})) {
        const mode = packed.files.get(file.replace(/^\.\//, '')) ?? 0
        t.ok(
          mode & 0o111,
          `${where}: bin ${name} (${file}) is executable in the tarball (mode ${mode.toString(8)})`,
        )
      }
      const shipped = [...packed.files.keys()]
      t.same(
        shipped.filter((f) => /^(src|test)\//.test(f) || f.endsWith('.tsbuildinfo')),
        [],
        `${where} ships no sources, tests or build info`,
      )
      // Plain paths named in `files` (no globs, no negations): npm packs a missing one silently.
      for (const entry of packed.manifest.files ?? []) {
        if (/[*!]/.test(entry) || entry === 'dist') continue
        t.ok(packed.files.has(entry), `${where} ships ${entry}, which its "files" lists`)
      }
      t.equal(packed.manifest.scripts?.prepack, 'npm run build', `${where}: a publish builds it first`)
    }
  })

  await t.test('npm ls fastify: one fastify, the app’s, for the plugin and the authority', async (t) => {
    const ls = await app!.npm(['ls', 'fastify', '--all', '--parseable'])
    // Non-zero on an invalid tree too: a peer range the app's fastify does not satisfy.
    t.equal(ls.code, 0, 'npm ls fastify succeeds (no invalid or missing peer)', runDetails(ls))
    const copies = ls.stdout
      .split('\n')
      .filter(Boolean)
      .map((path) => relative(dir, path))
    t.same(
      copies,
      [join('node_modules', 'fastify')],
      `one copy of fastify; npm ls found ${copies.join(', ')}`,
    )
    for (const name of ['fastify-picket', 'picket-authority'] as const) {
      const manifest = app!.pack.packages.get(name)!.manifest
      t.notOk(manifest.dependencies?.fastify, `${name}: fastify is not a dependency of its own`)
      t.ok(manifest.peerDependencies?.fastify, `${name}: fastify is a peer dependency`)
    }
  })

  let snippet = ''
  await t.test(
    'README.md’s plugin code compiles with the app’s tsc (strict, skipLibCheck off)',
    async (t) => {
      snippet = await readmePluginSnippet()
      await writeFile(join(dir, 'app.ts'), snippet)
      await writeFile(join(dir, 'entry-points.ts'), ENTRY_POINTS_TS)
      const tsc = await run(bin('tsc'), [...TSC_FLAGS, '--noEmit', 'app.ts', 'entry-points.ts'], {
        cwd: dir,
        timeoutMs: 120_000,
      })
      t.comment(
        `tsc ${(await run(bin('tsc'), ['--version'], { cwd: dir, timeoutMs: 30_000 })).stdout.trim()}: ${tsc.ms} ms`,
      )
      t.equal(tsc.code, 0, 'zero errors in app.ts (the README code) and entry-points.ts', runDetails(tsc))
      t.equal(tsc.stdout.trim(), '', 'tsc printed no diagnostics')
    },
  )

  await t.test('the authority mounts in the app’s fastify (types)', async (t) => {
    await writeFile(join(dir, 'authority-mount.ts'), AUTHORITY_MOUNT_TS)
    const tsc = await run(bin('tsc'), [...TSC_FLAGS, '--noEmit', 'authority-mount.ts'], {
      cwd: dir,
      timeoutMs: 120_000,
    })
    t.equal(tsc.code, 0, "createAuthority() registers in the app's fastify", runDetails(tsc))
  })

  await t.test(
    'the plugin alone: no authority dependencies, README code compiles, require() works',
    async (t) => {
      const alone = await createPluginOnlyApp(app!, options.fastifySpec)
      t.comment(`plugin-only app installed in ${alone.installMs} ms`)
      const ls = await alone.npm(['ls', '--omit=dev', '--all', '--parseable'])
      t.equal(ls.code, 0, 'npm ls succeeds', runDetails(ls))
      const installed = ls.stdout.split('\n').map((path) => relative(join(alone.dir, 'node_modules'), path))
      for (const heavy of ['viem', 'ioredis', 'lru-cache', '@noble/curves', 'picket-authority']) {
        t.notOk(installed.includes(heavy), `${heavy} is not installed with the plugin`)
      }
      t.comment(`plugin-only production tree: ${installed.length - 1} packages`)
      await writeFile(join(alone.dir, 'app.ts'), snippet || (await readmePluginSnippet()))
      const tsc = await run(
        join(alone.dir, 'node_modules', '.bin', 'tsc'),
        [...TSC_FLAGS, '--noEmit', 'app.ts'],
        {
          cwd: alone.dir,
          timeoutMs: 120_000,
        },
      )
      t.equal(tsc.code, 0, 'README plugin code compiles with only the plugin installed', runDetails(tsc))
      const required = await run(
        'node',
        ['-e', "const p = require('fastify-picket'); if (typeof p.default !== 'function') process.exit(1)"],
        { cwd: alone.dir, timeoutMs: 60_000 },
      )
      t.equal(
        required.code,
        0,
        "require('fastify-picket') with only the plugin installed",
        runDetails(required),
      )
      const imported = await run(
        'node',
        [
          '--input-type=module',
          '-e',
          "const m = await import('fastify-picket'); await import('fastify-picket/client'); if (typeof m.createRedisRevocationList !== 'function') process.exit(1)",
        ],
        { cwd: alone.dir, timeoutMs: 60_000 },
      )
      t.equal(imported.code, 0, 'import() of the plugin and its subpaths', runDetails(imported))
    },
  )

  await t.test('require() of every package, and picket-authority --help', async (t) => {
    const required = await run('node', ['-e', REQUIRE_JS], { cwd: dir, timeoutMs: 60_000 })
    t.equal(required.code, 0, 'require() of every entry point', runDetails(required))
    if (required.stderr.trim()) t.comment(`require() printed on stderr: ${required.stderr.trim()}`)
    if (required.code === 0) {
      t.same(
        JSON.parse(required.stdout) as unknown,
        {
          'fastify-picket resolves to its dist/': true,
          'fastify-picket default': 'function',
          'fastify-picket fastifyPicket is the default': true,
          'fastify-picket plugin name': 'fastify-picket',
          'fastify-picket/core is picket-core': true,
          'fastify-picket/client is picket-core/client': true,
          'picket-core createSigningMessage': 'function',
          'picket-core/client PicketClient': 'function',
          'picket-authority createAuthority': 'function',
          'picket-authority startAuthority': 'function',
          'picket-authority generateSigningJwk': 'function',
        },
        'the exports, through require()',
      )
    }

    const help = await run(bin('picket-authority'), ['--help'], { cwd: dir, timeoutMs: 30_000 })
    t.equal(help.code, 0, 'picket-authority --help exits 0', runDetails(help))
    for (const flag of ['--port', '--host', '--config'])
      t.match(help.stdout, flag, `--help describes ${flag}`)
    t.match(help.stdout, /^Usage: picket-authority /, 'the usage line names the installed command')
  })

  await t.test('a gated request: the README app against the packed authority', async (t) => {
    if (!snippet) snippet = await readmePluginSnippet()
    const projectId = /const PROJECT_ID = '([^']+)'/.exec(snippet)?.[1]
    if (!projectId) return t.fail('the README snippet declares PROJECT_ID')
    t.ok(snippet.includes('127.0.0.1:8787'), 'the snippet points at the authority on 127.0.0.1:8787')
    t.ok(snippet.includes('port: 3000'), 'the snippet listens on port 3000')

    await writeFile(
      join(dir, 'authority.json'),
      JSON.stringify({
        signingKeyFile: join(dir, '.picket-authority', 'signing-key.json'),
        projects: [
          {
            id: projectId,
            publishableKey: PUBLISHABLE_KEY,
            secretKey: SECRET_KEY,
            allowedDomains: [SIGN_IN_DOMAIN],
          },
        ],
      }),
    )
    const authority = startProcess(bin('picket-authority'), ['--config', 'authority.json', '--port', '0'], {
      cwd: dir,
      timeoutMs: 30_000,
      ready: /^Picket authority listening on (http:\/\/(127\.0\.0\.1:\d+)\/api\/v1)$/,
    })
    t.teardown(() => stopProcess(authority.child))
    const { match: listening } = await authority.ready
    const [, issuer, authorityHost] = listening as unknown as [string, string, string]

    // The README's code with only its ports changed, compiled by the app's tsc, run by plain node.
    const server = snippet.replaceAll('127.0.0.1:8787', authorityHost).replace('port: 3000', 'port: 0')
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
      ready: /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
    })
    t.teardown(() => stopProcess(readmeApp.child))
    const started = await readmeApp.ready
    const base = started.match[1]!

    const getMe = (token?: string) =>
      fetch(`${base}/me`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      })
    const anonymous = await getMe()
    t.equal(anonymous.status, 401, 'GET /me without a token: 401')
    t.match(
      anonymous.headers.get('www-authenticate') ?? '',
      /^Bearer realm="picket"/,
      'with a Bearer challenge',
    )

    await writeFile(join(dir, 'login.mjs'), LOGIN_MJS)
    const login = await run('node', ['login.mjs', base, SIGN_IN_DOMAIN], { cwd: dir, timeoutMs: 60_000 })
    t.equal(login.code, 0, 'login.mjs: nonce, sign, login', runDetails(login))
    if (login.code !== 0) return
    const result = JSON.parse(login.stdout) as {
      address: string
      nonce: { status: number; body: unknown }
      login?: { status: number; body: { accessToken?: string; user?: { walletAddress?: string } } }
    }
    t.equal(result.nonce.status, 200, 'POST /auth/nonce: 200', { body: result.nonce.body })
    t.equal(result.login?.status, 200, 'POST /auth/login: 200', { body: result.login?.body })
    const token = result.login?.body.accessToken
    if (typeof token !== 'string') return t.fail(`/auth/login gave no access token\n${started.output()}`)

    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >
    t.equal(claims.iss, issuer, 'the token was minted by the packed authority')
    t.equal(claims.aud, projectId, "for the README's project")
    t.equal(claims.domain, SIGN_IN_DOMAIN, 'signed in on the allowed domain')

    const me = await getMe(token)
    t.equal(me.status, 200, 'GET /me with the token: 200')
    const body = (await me.json()) as { wallet?: string }
    t.equal(body.wallet?.toLowerCase(), result.address.toLowerCase(), 'answers the wallet that signed in')
    t.equal(body.wallet, result.login?.body.user?.walletAddress, 'as /auth/login reported it')

    for (const [what, tampered] of [
      ['a changed signature', flipSignature(token)],
      ['another wallet in the claims', forgeWallet(token)],
    ] as const) {
      const refused = await getMe(tampered)
      t.equal(refused.status, 401, `GET /me with ${what}: 401`)
      t.match(
        refused.headers.get('www-authenticate') ?? '',
        /^Bearer realm="picket", error="invalid_token"/,
        'with an invalid_token challenge',
      )
    }
  })

  if (options.devChainWalkthrough) {
    await t.test('README: from an empty directory to a token gate, with the dev chain', (t) =>
      devChainWalkthrough(t, app!),
    )
  }

  t.comment(`${options.fastifySpec}: the whole file took ${Date.now() - fileStarted} ms`)
}
