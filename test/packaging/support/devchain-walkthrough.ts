/**
 * README.md's "From an empty directory to a token gate", as a user follows it, in the packed app:
 * its `npm install` lines, `picket-authority devchain`, the authority with `--rpc`, its app.js and
 * sign-in.js (read from the README now, never a copy), run with the README's own ports. Those are
 * fixed (8545, 8787, 3000), so the processes run in a network namespace of their own (a private
 * loopback, `unshare -n`): nothing else on this machine can hold those ports or be reached.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Test } from 'tap'
import { type ConsumerApp, REPO_ROOT } from './consumer-app.js'
import { run, runDetails, startProcess, stopProcess } from './processes.js'

const HEADING = '## From an empty directory to a token gate'

interface Walkthrough {
  /** Every line of the section's bash blocks, in order. */
  commands: string[]
  /** The js blocks, by the file name on their first line. */
  files: Map<string, string>
}

async function readWalkthrough(): Promise<Walkthrough> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n${HEADING}\n`)
  if (start === -1) throw new Error(`README.md has no "${HEADING}" section`)
  const end = readme.indexOf('\n## ', start + HEADING.length + 2)
  const section = readme.slice(start, end === -1 ? undefined : end)
  const commands: string[] = []
  const files = new Map<string, string>()
  for (const [, lang, code] of section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    if (lang === 'bash') commands.push(...code!.split('\n').filter((line) => line.trim() !== ''))
    if (lang === 'js') {
      const name = /^\/\/ ([\w-]+\.js)$/.exec(code!.split('\n')[0] ?? '')?.[1]
      if (name) files.set(name, code!)
    }
  }
  return { commands, files }
}

/** `npx picket-authority ARGS` of the README, as argv for the installed bin. */
function authorityArgs(commands: string[], first: (args: string[]) => boolean): string[] | undefined {
  return commands
    .map((line) => line.trim().split(/\s+/))
    .find((words) => words[0] === 'npx' && words[1] === 'picket-authority' && first(words.slice(2)))
    ?.slice(2)
}

export async function devChainWalkthrough(t: Test, app: ConsumerApp): Promise<void> {
  const started = Date.now()
  const { dir } = app
  const bin = join(dir, 'node_modules', '.bin', 'picket-authority')
  const { commands, files } = await readWalkthrough()

  await t.test('without the optional engine, devchain says what to install', async (t) => {
    const missing = await run(bin, ['devchain', '--port', '0'], { cwd: dir, timeoutMs: 30_000 })
    t.equal(missing.code, 1, 'picket-authority devchain exits 1', runDetails(missing))
    t.match(missing.stderr, 'npm install --save-dev @foundry-rs/anvil', 'and names the package to install')
    const help = await run(bin, ['devchain', '--help'], { cwd: dir, timeoutMs: 30_000 })
    t.equal(help.code, 0, 'devchain --help works without it', runDetails(help))
    t.match(help.stdout, /--mint/)
  })

  // The README's install lines, in this app (its three packages are already the packed tarballs).
  for (const line of commands.filter((c) => c.startsWith('npm install '))) {
    const names = line.split(/\s+/).slice(2)
    const extra = names.filter((name) => name.startsWith('-') || !app.pack.packages.has(name as never))
    const install = await app.npm(
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...extra],
      180_000,
    )
    t.equal(install.code, 0, `${line} (the packed packages already installed)`, runDetails(install))
    if (install.code !== 0) return
  }
  for (const [name, code] of files) await writeFile(join(dir, name), code)
  t.ok(files.has('app.js') && files.has('sign-in.js'), 'the README has app.js and sign-in.js')

  const probe = await run('unshare', ['-n', 'true'], { cwd: dir, timeoutMs: 10_000 })
  if (probe.code !== 0) {
    t.comment(
      `skipped the run: unshare -n is not permitted here (needs root), so the fixed ports cannot be isolated: ${probe.stderr}`,
    )
    return
  }
  // The namespace lives as long as this process (a sleep) does; everything else joins it.
  const namespace = startProcess(
    'unshare',
    ['-n', 'sh', '-c', 'ip link set lo up && echo up && exec sleep 600'],
    {
      cwd: dir,
      timeoutMs: 10_000,
      ready: /^up$/,
    },
  )
  t.teardown(() => stopProcess(namespace.child))
  await namespace.ready
  const inNamespace = (command: string, args: string[]) =>
    ['nsenter', ['-t', String(namespace.child.pid), '-n', '--', command, ...args]] as const

  const devChainArgs = authorityArgs(commands, (args) => args[0] === 'devchain')
  t.same(devChainArgs, ['devchain'], 'the README starts the dev chain with its defaults')
  const devChain = startProcess(...inNamespace(bin, devChainArgs ?? ['devchain']), {
    cwd: dir,
    timeoutMs: 60_000,
    ready: /^Dev chain listening on (http:\/\/127\.0\.0\.1:\d+)$/,
  })
  t.teardown(() => stopProcess(devChain.child))
  const chain = await devChain.ready
  const rpcUrl = chain.match[1]!
  t.equal(rpcUrl, 'http://127.0.0.1:8545', 'on the port the authority’s localhost chain reads')
  const report = chain.output()
  const pass = /const PASS = '(0x[0-9a-fA-F]{40})'/.exec(files.get('app.js') ?? '')?.[1]
  t.ok(
    pass && report.includes(`PASS   ERC-721              ${pass}`),
    `it deployed the PASS app.js gates on (${pass})`,
  )
  t.match(report, /DEV ONLY/, 'the keys are marked dev-only')
  t.match(report, `npx picket-authority --rpc localhost=${rpcUrl}`, 'and it prints the command to run next')

  const rpcArgs = authorityArgs(commands, (args) => args[0] === '--rpc')
  t.same(rpcArgs, ['--rpc', `localhost=${rpcUrl}`], 'the README starts the authority with that command')
  const authority = startProcess(...inNamespace(bin, rpcArgs ?? []), {
    cwd: dir,
    timeoutMs: 60_000,
    ready: /^Picket authority listening on (http:\/\/127\.0\.0\.1:8787\/api\/v1)$/,
  })
  t.teardown(() => stopProcess(authority.child))
  const authorityStarted = await authority.ready
  t.match(authorityStarted.output(), /development project in \.picket-authority\/dev\.json/)

  t.ok(commands.includes('node app.js'), 'the README runs node app.js')
  const server = startProcess(...inNamespace(process.execPath, ['app.js']), {
    cwd: dir,
    timeoutMs: 60_000,
    ready: /"msg":"Server listening at http:\/\/127\.0\.0\.1:3000"/,
  })
  t.teardown(() => stopProcess(server.child))
  await server.ready

  const signIns = commands
    .map((line) => /^node sign-in\.js (0x[0-9a-f]{64})$/.exec(line.trim())?.[1])
    .filter((key): key is string => key !== undefined)
  t.equal(signIns.length, 2, 'the README signs in twice: the holder, then the outsider')
  const outcomes: string[] = []
  for (const key of signIns) {
    const signIn = await run(...inNamespace(process.execPath, ['sign-in.js', key]), {
      cwd: dir,
      timeoutMs: 60_000,
    })
    t.equal(signIn.code, 0, `node sign-in.js ${key.slice(0, 10)}…`, runDetails(signIn))
    outcomes.push(signIn.stdout.trim())
  }
  t.match(
    outcomes[0],
    /^GET \/pass-holders: 200 \{"hello":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\}$/,
    'the holder of the demo pass: 200',
  )
  t.match(outcomes[1], /^GET \/pass-holders: 403 /, 'the wallet without it: 403')

  // Ctrl-C: the dev chain stops anvil and exits 0.
  const exited = new Promise<number | null>((resolve) => devChain.child.once('exit', (code) => resolve(code)))
  devChain.child.kill('SIGINT')
  t.equal(await exited, 0, 'SIGINT stops the dev chain, exit 0')
  const after = await run(
    ...inNamespace(process.execPath, [
      '-e',
      "fetch('http://127.0.0.1:8545').then(() => process.exit(1), () => process.exit(0))",
    ]),
    {
      cwd: dir,
      timeoutMs: 20_000,
    },
  )
  t.equal(after.code, 0, 'and nothing answers on 8545 any more (anvil is gone)', runDetails(after))
  t.comment(
    `README walkthrough (install, dev chain, authority, app, two sign-ins): ${Date.now() - started} ms`,
  )
}
