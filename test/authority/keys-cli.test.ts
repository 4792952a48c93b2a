/**
 * `picket-authority keys` (key rotation, issue 13) as users run it: a real process for the
 * commands whose exit code and output matter, in process for the other cases (each spawn costs
 * seconds), and the server reading the key-set file at start and on SIGHUP.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint } from 'jose'
import { generateSigningJwk } from 'picket-authority'
import t from 'tap'
import { runKeysCommand } from '../../packages/authority/src/key-commands.js'
import { runCli, runKeys } from './support/cli-process.js'

/** The same command in this process (each spawn costs seconds): exit code, stdout, stderr. */
async function keysInProcess(args: string[]) {
  const out: string[] = []
  const err: string[] = []
  try {
    await runKeysCommand(args, { out: (line) => out.push(line), err: (line) => err.push(line) })
    return { code: 0, stdout: out.map((line) => `${line}\n`).join(''), stderr: err.join('\n') }
  } catch (error) {
    return { code: 1, stdout: out.join('\n'), stderr: `picket-authority: ${(error as Error).message}` }
  }
}

interface KeyFile {
  signingKeys: Array<{ kid: string; status: string; d: string; x: string; y: string; created?: string }>
}

t.test('keys add/promote/retire/remove/list edit a key-set file the server reads', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-keys-'))
  const file = join(cwd, 'secrets', 'keys.json')
  const read = async () => JSON.parse(await readFile(file, 'utf8')) as KeyFile

  const missing = await keysInProcess(['list', '--file', file])
  t.equal(missing.code, 1)
  t.match(missing.stderr, `does not exist: create it with picket-authority keys add --file ${file}`)

  const first = await runKeys(['add', '--file', file], cwd)
  t.equal(first.code, 0, first.stderr)
  const k1 = /^added (\S+) \(current\)\n$/.exec(first.stdout)?.[1]
  t.ok(k1, 'the first key of a new file is current')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  let keys = (await read()).signingKeys
  t.equal(keys.length, 1)
  t.match(keys[0], { kid: k1, status: 'current', d: /^[\w-]{43}$/, created: /^\d{4}-/ })
  t.equal(k1, await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: keys[0]!.x, y: keys[0]!.y }))

  const second = await runKeys(['add', '--file', file, '--kid', 'k2'], cwd)
  t.equal(second.stdout, 'added k2 (next)\n')
  t.match(second.stderr, `keys promote --file ${file} --kid k2`)

  const list = await runKeys(['list', '--file', file], cwd)
  t.equal(list.code, 0)
  const lines = list.stdout.trim().split('\n')
  t.match(lines[0], /^KID\s+STATUS\s+CREATED$/)
  t.match(lines[1], new RegExp(`^${k1}\\s+current\\s+\\d{4}-`))
  t.match(lines[2], /^k2\s+next\s+\d{4}-/)
  keys = (await read()).signingKeys
  for (const key of keys) {
    t.notOk(list.stdout.includes(key.d), 'no private material')
    t.notOk(list.stdout.includes(key.x), 'no key material at all')
  }

  const promote = await runKeys(['promote', '--file', file, '--kid', 'k2'], cwd)
  t.equal(promote.stdout, `promoted k2 to current; ${k1} is now retired\n`)
  t.same(
    (await read()).signingKeys.map((key) => [key.kid, key.status]),
    [
      [k1, 'retired'],
      ['k2', 'current'],
    ],
  )
  t.equal((await stat(file)).mode & 0o777, 0o600, 'still 0600 after a rewrite')

  const cases: Array<[string[], RegExp | string]> = [
    [
      ['remove', '--file', file, '--kid', 'k2'],
      'k2 is the current key and signs new tokens: add and promote another key first',
    ],
    [['retire', '--file', file, '--kid', 'k2'], 'promote another key first'],
    [
      ['retire', '--file', file, '--kid', 'nope'],
      `has no key with kid "nope" (it holds: ${k1} (retired), k2 (current))`,
    ],
    [['promote', '--file', file], 'keys promote needs --kid KID'],
    [['add'], 'keys add needs --file FILE'],
    [['rotate', '--file', file], "unknown keys action 'rotate'"],
    [['add', '--file', file, '--kid', 'k2'], 'already has a key with kid "k2"'],
    [['add', '--file', file, '--kid', 'has space'], 'signingKeys[2].kid must be 1-128 printable ASCII'],
    [['list', '--flie', file], /Unknown option '--flie'/],
  ]
  for (const [args, message] of cases) {
    // Two through the real process (exit code, stderr), the rest in this one.
    const spawned = message === cases[0]![1] || args.includes('--flie')
    const run = spawned ? await runKeys(args, cwd) : await keysInProcess(args)
    t.equal(run.code, 1, args.join(' '))
    t.match(run.stderr, message, args.join(' '))
  }
  t.equal((await read()).signingKeys.length, 2, 'a refused command leaves the file alone')

  t.equal((await keysInProcess(['add', '--file', file, '--kid', 'k3'])).code, 0)
  t.equal((await keysInProcess(['retire', '--file', file, '--kid', 'k3'])).stdout, 'retired k3\n')
  const removed = await keysInProcess(['remove', '--file', file, '--kid', k1!])
  t.equal(removed.stdout, `removed ${k1} (was retired)\n`)
  t.same(
    (await read()).signingKeys.map((key) => [key.kid, key.status]),
    [
      ['k2', 'current'],
      ['k3', 'retired'],
    ],
  )

  // The server reads the set (signingKeyFile), and again on SIGHUP.
  const config = join(cwd, 'config.json')
  await writeFile(
    config,
    JSON.stringify({
      signingKeyFile: file,
      projects: [{ id: 'x', publishableKey: 'pk_x', secretKey: 'sk_x', allowedDomains: ['localhost:3000'] }],
    }),
  )
  const run = runCli(['--config', config, '--port', '0'], cwd)
  t.teardown(() => run.child.kill('SIGTERM'))
  const url = (await run.firstLine).replace('Picket authority listening on ', '')
  const kids = async () =>
    (
      (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }
    ).keys.map((key) => key.kid)
  t.same(await kids(), ['k2', 'k3'])
  t.equal((await keysInProcess(['add', '--file', file, '--kid', 'k4'])).code, 0)
  run.child.kill('SIGHUP')
  const deadline = Date.now() + 10_000
  while (!run.stderr().includes('Reloaded signing keys') && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 50))
  }
  t.match(run.stderr(), 'Reloaded signing keys: k2 (current), k4 (next), k3 (retired)')
  t.same(await kids(), ['k2', 'k4', 'k3'])
})

t.test('keys converts a single-key file (a bare JWK) into a key set, keeping its kid', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-keys-'))
  const file = join(cwd, 'key.json')
  const jwk = await generateSigningJwk()
  await writeFile(file, JSON.stringify(jwk), { mode: 0o600 })
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })

  const list = await keysInProcess(['list', '--file', file])
  t.match(list.stdout, new RegExp(`^${kid}\\s+current\\s+-$`, 'm'))
  t.same(JSON.parse(await readFile(file, 'utf8')), jwk, 'list does not rewrite the file')

  const add = await runKeys(['add', '--file', file, '--kid', 'next-key'], cwd)
  t.equal(add.code, 0, add.stderr)
  t.match(add.stderr, `Converted the single key of ${file} into a key set (kid ${kid}, current)`)
  const { signingKeys } = JSON.parse(await readFile(file, 'utf8')) as KeyFile
  t.same(
    signingKeys.map((key) => [key.kid, key.status]),
    [
      [kid, 'current'],
      ['next-key', 'next'],
    ],
  )
  t.equal(signingKeys[0]?.d, jwk.d)
})
