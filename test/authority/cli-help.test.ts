/**
 * A CLI that helps (issue 14), as users run it: real processes for what a user sees (version,
 * JSON errors with line and column, a missing file, a port in use, chain RPC URLs from flags, env
 * and config with their precedence, the 503 naming a missing RPC setting, the startup report and
 * its plugin registration, a clean stop on SIGTERM/SIGINT for the CLI and `npm start`); in process
 * for the parsers' other cases (each spawn costs seconds).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import Fastify from 'fastify'
import picket from 'fastify-picket'
import t from 'tap'
import {
  applyRpcUrls,
  CliError,
  describeJsonError,
  jsonSyntaxErrorOffset,
  resolvePort,
} from '../../packages/authority/src/cli-config.js'
import { childEnv } from '../packaging/support/processes.js'
import { runCli } from './support/cli-process.js'

const repoRoot = resolve(import.meta.dirname, '../..')
const ADDRESS = '0x70997970c51812dC3A010c7d01b50E575D3b1ab4'
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

const listeningUrl = (line: string) => line.replace('Picket authority listening on ', '')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

/** True when nothing listens on the port any more (we can listen there ourselves). */
async function portIsFree(port: number): Promise<boolean> {
  const server: Server = createServer()
  return new Promise((done) => {
    server.once('error', () => done(false))
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)))
  })
}

const basic = (key: string) => `Basic ${Buffer.from(key).toString('base64')}`

async function writeConfig(dir: string, extra: Record<string, unknown> = {}) {
  const file = join(dir, 'authority.json')
  const project = {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    name: 'Shop',
    publishableKey: 'pk_cli_help',
    secretKey: 'sk_cli_help',
    allowedDomains: ['localhost:3000'],
  }
  await writeFile(file, JSON.stringify({ projects: [project], ...extra }, null, 2))
  return { file, project }
}

t.test('--version prints the package version; --help names --rpc, PORT and PICKET_RPC_<SLUG>', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
  const { version } = JSON.parse(
    await readFile(join(repoRoot, 'packages/authority/package.json'), 'utf8'),
  ) as { version: string }
  const run = runCli(['--version'], cwd)
  t.equal(await run.exited, 0)
  t.equal(run.stdout(), `${version}\n`)

  const help = runCli(['--help'], cwd)
  t.equal(await help.exited, 0)
  for (const words of ['--rpc', 'PORT', 'PICKET_RPC_', '--version', 'SIGTERM']) t.match(help.stdout(), words)

  const typo = runCli(['--prot', '8080'], cwd)
  t.equal(await typo.exited, 1)
  t.match(typo.stderr(), /unknown option --prot — did you mean --port\?/)
})

t.test('a config file with a JSON error: file, line and column; a missing file: what to do', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
  const file = join(cwd, 'broken.json')
  await writeFile(file, '{\n  "projects": [\n    { "id": "x", }\n  ]\n}\n')
  const broken = runCli(['--config', file, '--port', '0'], cwd)
  t.equal(await broken.exited, 1)
  t.match(broken.stderr(), `${file}:3:18: not valid JSON`)
  t.match(broken.stderr(), /\n {6}\{ "id": "x", \}\n {19}\^/, 'the line, a caret under the column')

  const missing = runCli(['--port', '0'], cwd, { PICKET_AUTHORITY_CONFIG: join(cwd, 'nope.json') })
  t.equal(await missing.exited, 1)
  t.match(
    missing.stderr(),
    `config file ${join(cwd, 'nope.json')} (from PICKET_AUTHORITY_CONFIG) does not exist`,
  )
  t.match(missing.stderr(), /Fix the path, create the file/)
  t.match(missing.stderr(), /start without --config and PICKET_AUTHORITY_CONFIG for a development project/)
})

t.test('JSON error positions (in process)', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['{"a": 1}', undefined],
    ['  [1, 2.5e-3, "x\\u00e9\\n", true, false, null, {}] ', undefined],
    ['{"a": }', 6],
    ['{"a":1,}', 7],
    ['{\n "a": 1\n "b": 2}', 11],
    ['{"a"', 4],
    ['', 0],
    ['{"a": tru}', 6],
    ['[1 2]', 3],
    ['{"a": "line\nbreak"}', 11],
    ['{"a": 01}', 7],
    ['{"a": 1} x', 9],
    ["{'a': 1}", 1],
  ]
  for (const [text, offset] of cases) {
    t.equal(jsonSyntaxErrorOffset(text), offset, JSON.stringify(text))
    let valid = true
    try {
      JSON.parse(text)
    } catch {
      valid = false
    }
    t.equal(valid, offset === undefined, `agrees with JSON.parse on ${JSON.stringify(text)}`)
  }
  t.equal(
    describeJsonError(
      'c.json',
      '{\n  "a": 1,\n}',
      'Expected double-quoted property name in JSON at position 12',
    ),
    'c.json:3:1: not valid JSON: Expected double-quoted property name\n  }\n  ^',
  )
})

t.test('a port in use says what to do; PORT is read when --port is not given', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
  const { file } = await writeConfig(cwd)
  const holder = createServer()
  await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done))
  t.teardown(() => holder.close())
  const { port } = holder.address() as { port: number }
  const run = runCli(['--config', file], cwd, { PORT: String(port) })
  t.equal(await run.exited, 1)
  t.match(run.stderr(), `127.0.0.1:${port} (from PORT) is already in use`)
  t.match(run.stderr(), /choose another port with --port N or the PORT environment variable/)

  t.same(resolvePort(undefined, undefined), { port: 8787, source: 'default' })
  t.same(resolvePort(undefined, '9000'), { port: 9000, source: 'PORT' })
  t.same(resolvePort('0', '9000'), { port: 0, source: '--port' }, '--port wins over PORT')
  t.throws(() => resolvePort(undefined, 'http'), /PORT must be a port number from 0 to 65535/)
  t.throws(() => resolvePort('70000', undefined), /--port must be a port number/)
})

t.test(
  '--rpc over PICKET_RPC_<SLUG> over chains.<slug>.rpcUrl; 503 naming the setting; the startup report; SIGINT',
  async (t) => {
    const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
    // One loopback JSON-RPC endpoint; the path says which setting a read went through.
    const hits: string[] = []
    const rpc = createHttpServer((request, response) => {
      hits.push(request.url ?? '')
      request.resume()
      request.on('end', () => {
        response.setHeader('content-type', 'application/json')
        response.end(
          JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'test endpoint' } }),
        )
      })
    })
    await new Promise<void>((done) => rpc.listen(0, '127.0.0.1', done))
    t.teardown(() => rpc.close())
    const rpcBase = `http://127.0.0.1:${(rpc.address() as { port: number }).port}`
    const { file, project } = await writeConfig(cwd, {
      chains: {
        ethereum: { rpcUrl: `${rpcBase}/ethereum-config` },
        polygon: { rpcUrl: `${rpcBase}/polygon-config` },
        optimism: { rpcUrl: `${rpcBase}/optimism-config` },
      },
    })
    const port = await freePort()
    const run = runCli(
      [
        '--config',
        file,
        '--rpc',
        `ethereum=${rpcBase}/ethereum-flag`,
        '--rpc',
        `arbitrum=${rpcBase}/arbitrum-flag`,
      ],
      cwd,
      {
        PORT: String(port),
        PICKET_RPC_ETHEREUM: `${rpcBase}/ethereum-env`,
        PICKET_RPC_POLYGON: `${rpcBase}/polygon-env`,
      },
    )
    t.teardown(() => run.child.kill('SIGKILL'))
    const url = listeningUrl(await run.firstLine)
    t.equal(url, `http://127.0.0.1:${port}/api/v1`, 'PORT is the port')

    const headers = { authorization: basic(project.secretKey), 'content-type': 'application/json' }
    for (const [slug, supported] of [
      ['ethereum', true],
      ['polygon', true],
      ['optimism', true],
      ['arbitrum', true],
      ['base', false],
    ] as const) {
      const chain = (await (await fetch(`${url}/chains/${slug}`, { headers })).json()) as {
        authorizationSupported: boolean
      }
      t.equal(
        chain.authorizationSupported,
        supported,
        `GET /chains/${slug}: authorizationSupported ${supported}`,
      )
    }
    const read = async (slug: string) => {
      const before = hits.length
      const res = await fetch(`${url}/chains/${slug}/wallets/${ADDRESS}/tokenOwnership`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ contractAddress: CONTRACT }),
      })
      return { res, paths: hits.slice(before) }
    }
    for (const [slug, path] of [
      ['ethereum', '/ethereum-flag'],
      ['polygon', '/polygon-env'],
      ['optimism', '/optimism-config'],
      ['arbitrum', '/arbitrum-flag'],
    ] as const) {
      const { res, paths } = await read(slug)
      t.equal(res.status, 424, `${slug}: the endpoint failed, so 424`)
      t.ok(paths.length > 0 && paths.every((p) => p === path), `${slug} read through ${path}`, { paths })
    }

    // A gating request the authority can never serve: 503, Retry-After, the setting named.
    const { res: unserved, paths: none } = await read('base')
    t.equal(unserved.status, 503, 'no rpcUrl for base: 503, never a 4xx')
    t.ok(Number(unserved.headers.get('retry-after')) >= 1, 'with Retry-After')
    const body = (await unserved.json()) as { msg: string; code: string }
    t.equal(body.code, 'chain_not_configured')
    t.match(body.msg, /token gating/, "picket-js's wording (§2.2)")
    t.match(body.msg, 'chains.base.rpcUrl')
    t.match(body.msg, '--rpc base=URL')
    t.match(body.msg, 'PICKET_RPC_BASE')
    t.same(none, [], 'no read was attempted')

    // The startup report (stderr): issuer, JWKS, what can gate, a registration to paste.
    const report = run.stderr()
    t.match(report, `Issuer:        ${url}\n`)
    t.match(report, `JWKS:          ${url}/.well-known/jwks.json\n`)
    t.match(report, /can gate: {4}.*ethereum \(127\.0\.0\.1:\d+, --rpc\)/)
    t.match(report, /polygon \(127\.0\.0\.1:\d+, env\)/)
    t.match(report, /optimism \(127\.0\.0\.1:\d+, config\)/)
    t.match(report, /localhost \(127\.0\.0\.1:8545, built in\)/)
    t.match(
      report,
      /cannot gate: avalanche, base, solana: no RPC URL\. Set one with --rpc avalanche=URL, PICKET_RPC_AVALANCHE=URL or chains\.avalanche\.rpcUrl/,
    )
    t.match(report, /cannot gate: flow: token balances are not implemented/)
    t.notMatch(report, /ethereum-flag|ethereum-env|ethereum-config/, 'RPC paths (API keys) are not printed')

    // The registration, pasted into an app: it registers, and gates.
    const registration = /\n {2}(await app\.register\(picket, \{\n[\s\S]*?\n {2}\}\))\n/.exec(report)?.[1]
    if (!registration) return t.fail('the report holds a registration', { report })
    t.match(registration, `baseURL: '${url}'`)
    t.match(registration, `jwks: '${url}/.well-known/jwks.json'`)
    t.match(registration, `audience: '${project.id}'`)
    t.match(registration, "allowedDomains: ['localhost:3000']")
    t.match(registration, 'apiKey: process.env.PICKET_SECRET_KEY')
    const app = Fastify()
    t.teardown(() => app.close())
    const paste = new Function(
      'app',
      'picket',
      'process',
      `return (async () => { ${registration.replaceAll('\n  ', '\n')} })()`,
    )
    await paste(app, picket, { env: { PICKET_SECRET_KEY: project.secretKey } })
    app.get('/me', { config: { picket: true } }, async () => ({ ok: true }))
    await app.ready()
    const me = await app.inject({ method: 'GET', url: '/me' })
    t.equal(me.statusCode, 401, 'the pasted registration gates a route')

    // SIGINT (Ctrl-C): exits 0 and frees the port.
    run.child.kill('SIGINT')
    t.equal(await run.exited, 0)
    t.ok(await portIsFree(port), 'the port is free again')
  },
)

t.test(
  '--rpc and PICKET_RPC_<SLUG> errors name the known chains (in process, and one real process)',
  async (t) => {
    const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
    const { file } = await writeConfig(cwd)
    const run = runCli(['--config', file, '--port', '0', '--rpc', 'etherum=http://127.0.0.1:8545'], cwd)
    t.equal(await run.exited, 1)
    t.match(run.stderr(), /--rpc etherum=…: no chain "etherum" — did you mean 'ethereum'\?/)
    t.match(
      run.stderr(),
      /known chains: ethereum, polygon, optimism, arbitrum, avalanche, base, solana, flow, localhost/,
    )

    const config = JSON.parse(await readFile(file, 'utf8'))
    const apply =
      (flags: string[], env: Record<string, string> = {}) =>
      () =>
        applyRpcUrls(config, flags, env)
    t.throws(
      apply([], { PICKET_RPC_ETHERUM: 'http://x' }),
      /PICKET_RPC_ETHERUM names no chain — did you mean PICKET_RPC_ETHEREUM\?/,
    )
    t.throws(apply(['ethereum']), /--rpc takes SLUG=URL/)
    t.throws(apply(['ethereum=']), /--rpc takes SLUG=URL/)
    t.throws(apply(['ethereum=ws://127.0.0.1:8546']), /--rpc ethereum: the RPC URL must be http\(s\)/)
    t.throws(apply(['ethereum=not a url']), /is not a URL/)
    t.throws(apply(['ethereum=http://a', 'ethereum=http://b']), /names ethereum twice/)
    t.throws(apply(['flow=http://a']), /not implemented for Flow/)
    t.throws(apply([], { PICKET_RPC_ETHEREUM: 'ftp://x' }), CliError)
    t.same(
      apply([], { PICKET_RPC_ETHEREUM: '  ' })().sources.get('ethereum'),
      undefined,
      'an empty variable is unset',
    )

    // An alias (`homestead`) is the chain it names; a config entry under the alias is replaced.
    const aliased = applyRpcUrls(
      { ...config, chains: { homestead: { rpcUrl: 'http://config.example' } } },
      ['homestead=http://flag.example'],
      {},
    )
    t.same(aliased.config.chains, { ethereum: { rpcUrl: 'http://flag.example' } })
    t.equal(aliased.registry.get('ethereum')?.rpcUrl, 'http://flag.example')
    // A chain added in the config takes PICKET_RPC_<SLUG> too (- as _).
    const added = applyRpcUrls({ ...config, chains: { 'my-l2': { chainId: 424242 } } }, [], {
      PICKET_RPC_MY_L2: 'http://l2.example',
    })
    t.equal(added.registry.get('my-l2')?.authorizationSupported, true)
    t.equal(added.sources.get('my-l2'), 'env')
    // A config's list of endpoints counts as configured; a flag replaces the whole list.
    const listed = {
      ...config,
      chains: { ethereum: { rpcUrls: ['http://one.example', 'http://two.example'] } },
    }
    t.same(applyRpcUrls(listed, [], {}).registry.get('ethereum')?.rpcUrls, [
      'http://one.example',
      'http://two.example',
    ])
    t.equal(applyRpcUrls(listed, [], {}).sources.get('ethereum'), 'config')
    const replaced = applyRpcUrls(listed, ['ethereum=http://flag.example'], {})
    t.same(replaced.config.chains, { ethereum: { rpcUrl: 'http://flag.example' } })
    t.same(replaced.registry.get('ethereum')?.rpcUrls, ['http://flag.example'])
  },
)

t.test('the dev project: named after the app, its statement says the name, not the id', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
  await writeFile(join(cwd, 'package.json'), JSON.stringify({ name: '@acme/my-shop', private: true }))
  const run = runCli(['--port', '0'], cwd)
  t.teardown(() => run.child.kill('SIGKILL'))
  const url = listeningUrl(await run.firstLine)
  const dev = JSON.parse(await readFile(join(cwd, '.picket-authority/dev.json'), 'utf8'))
  const project = dev.projects[0]
  t.equal(project.name, 'my-shop (development)')
  t.match(run.stderr(), 'project:         my-shop (development)')
  t.match(run.stderr(), `audience: '${project.id}'`, 'the registration names the dev project')
  const nonce = await fetch(`${url}/auth/nonce`, {
    method: 'POST',
    headers: { authorization: basic(project.publishableKey), 'content-type': 'application/json' },
    body: JSON.stringify({ chain: 'ethereum', walletAddress: ADDRESS }),
  })
  t.equal(nonce.status, 200)
  const { statement } = (await nonce.json()) as { statement: string }
  t.equal(statement, 'Sign in to my-shop (development)')
  t.notMatch(statement, project.id)
  run.child.kill('SIGTERM')
  t.equal(await run.exited, 0)
})

t.test('SIGTERM with a client connected: the CLI exits 0 and the port is free', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-help-'))
  const { file, project } = await writeConfig(cwd)
  const port = await freePort()
  const run = runCli(['--config', file, '--port', String(port)], cwd)
  t.teardown(() => run.child.kill('SIGKILL'))
  const url = listeningUrl(await run.firstLine)
  // A keep-alive connection stays open after this answer.
  const res = await fetch(`${url}/chains`, { headers: { authorization: basic(project.secretKey) } })
  t.equal(res.status, 200)
  await res.arrayBuffer()
  const started = Date.now()
  run.child.kill('SIGTERM')
  t.equal(await run.exited, 0)
  t.ok(Date.now() - started < 5000, 'promptly, whatever the idle connection')
  t.ok(await portIsFree(port), 'the port is free again')
})

t.test('`npm start` stops on SIGTERM without a child holding its ports', async (t) => {
  const port = await freePort()
  // Its own process group, so the teardown can end whatever it left behind (only what we started);
  // `env -i`: exactly this environment, without tap's loader hooks (see packaging/support/processes.ts).
  const env = childEnv({ PORT: String(port) })
  const assignments = Object.entries(env).flatMap(([name, value]) =>
    value === undefined || name.includes('=') ? [] : [`${name}=${value}`],
  )
  const npm = spawn('env', ['-i', ...assignments, 'npm', 'start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  npm.stderr.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)))
  t.teardown(() => {
    try {
      process.kill(-npm.pid!, 'SIGKILL')
    } catch {
      // The group is gone: nothing was left behind.
    }
  })
  const chainPort = await new Promise<number>((done, reject) => {
    const lines = createInterface({ input: npm.stdout })
    lines.on('line', (line) => {
      output += `${line}\n`
      const match = /^\s+Dev chain\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(line)
      if (match) done(Number(match[1]))
    })
    exited.then((code) => reject(new Error(`npm start exited ${code} before it was ready:\n${output}`)))
  })
  t.notOk(await portIsFree(port), 'the example listens on PORT')
  t.notOk(await portIsFree(chainPort), 'and its dev chain on another port')

  // `kill <npm's pid>`: npm passes the signal to the script (exec'd: tsx), tsx to the example.
  npm.kill('SIGTERM')
  const late = new Promise<'late'>((done) => setTimeout(() => done('late'), 20_000).unref())
  const code = await Promise.race([exited, late])
  t.equal(code, 0, 'npm start exits 0 within 20 s', { output })
  // The process tree is gone when both ports are free (a tsx or node child left behind holds them).
  let free = false
  for (let i = 0; i < 20 && !free; i++) {
    free = (await portIsFree(port)) && (await portIsFree(chainPort))
    if (!free) await new Promise((done) => setTimeout(done, 250))
  }
  t.ok(free, 'the app and dev chain ports are free again')
  // Nothing of its process group still runs (a zombie waiting for init holds nothing).
  let leftover: string[] = []
  for (let i = 0; i < 20; i++) {
    const ps = spawnSync('ps', ['-o', 'pid=,stat=,args=', '-g', String(npm.pid)], { encoding: 'utf8' })
    leftover = ps.stdout.split('\n').filter((line) => line.trim() !== '' && !/^\s*\d+\s+Z/.test(line))
    if (leftover.length === 0) break
    await new Promise((done) => setTimeout(done, 250))
  }
  t.same(leftover, [], 'no process of its group is left')
})
