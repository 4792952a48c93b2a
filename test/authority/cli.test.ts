import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from './support/cli-process.js'

t.test('no arguments: creates a dev project, prints keys on stderr and one line on stdout', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-'))
  const run = runCli(['--port', '0'], cwd)
  t.teardown(() => run.child.kill('SIGTERM'))
  const line = await run.firstLine
  t.match(line, /^Picket authority listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
  const url = line.replace('Picket authority listening on ', '')
  const dev = JSON.parse(await readFile(join(cwd, '.picket-authority/dev.json'), 'utf8'))
  const project = dev.projects[0]
  t.match(run.stderr(), project.id)
  t.match(run.stderr(), project.secretKey)
  t.match(run.stderr(), project.publishableKey)

  const res = await fetch(`${url}/chains/ethereum`, {
    headers: { authorization: `Basic ${Buffer.from(project.secretKey).toString('base64')}` },
  })
  t.equal(res.status, 200)
  run.child.kill('SIGTERM')
  t.equal(await run.exited, 0)

  // A restart reuses the persisted project and signing key.
  const again = runCli(['--port', '0'], cwd)
  t.teardown(() => again.child.kill('SIGTERM'))
  await again.firstLine
  t.match(again.stderr(), /Using development project/)
  t.match(again.stderr(), project.id)
  const jwks = await fetch(
    `${(await again.firstLine).replace('Picket authority listening on ', '')}/.well-known/jwks.json`,
  )
  const { keys } = (await jwks.json()) as { keys: Array<{ x: string }> }
  t.equal(keys[0]?.x, dev.signingKey.x)
})

t.test('--config FILE with an invalid field exits 1 naming it', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-'))
  const file = join(cwd, 'config.json')
  await writeFile(
    file,
    JSON.stringify({
      projects: [
        { id: 'x', publishableKey: 'pk', secretKey: 'sk', allowedDomains: ['localhost:3000'], tokenTTL: -5 },
      ],
    }),
  )
  const run = runCli(['--config', file, '--port', '0'], cwd)
  t.equal(await run.exited, 1)
  t.match(run.stderr(), /projects\[0\]\.tokenTTL/)
})

t.test('PICKET_AUTHORITY_CONFIG and --host', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'picket-cli-'))
  const file = join(cwd, 'config.json')
  await writeFile(
    file,
    JSON.stringify({
      projects: [{ id: 'x', publishableKey: 'pk_x', secretKey: 'sk_x', allowedDomains: ['localhost:3000'] }],
    }),
  )
  const run = runCli(['--port', '0', '--host', '127.0.0.1'], cwd, { PICKET_AUTHORITY_CONFIG: file })
  t.teardown(() => run.child.kill('SIGTERM'))
  const line = await run.firstLine
  t.match(line, /listening on http:\/\/127\.0\.0\.1:/)
  t.match(run.stderr(), /in-memory ES256 key/, 'a config without a key warns that tokens die on restart')
})
