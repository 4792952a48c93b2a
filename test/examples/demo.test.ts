/**
 * `npm run demo` as a user runs it: a child process that starts the example, plays the story
 * and must exit 0 with every step reported as behaved.
 */
import { spawn } from 'node:child_process'
import t from 'tap'

const repoRoot = new URL('../../', import.meta.url).pathname

t.test('npm run demo exits 0 and every step behaved', async (t) => {
  const child = spawn('npm', ['run', '--silent', 'demo'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(killer)

  t.equal(code, 0, output)
  t.notMatch(output, /✗/, 'no step misbehaved')
  const summary = /(\d+)\/(\d+) steps behaved\./.exec(output)
  t.ok(summary, 'prints a summary')
  t.equal(summary?.[1], summary?.[2])
  for (const moment of [
    'the same signature submitted twice is refused',
    'outsider: pass-holders route refuses (403)',
    'a tampered token (payload edited) gets 401',
    'an expired token (signed by the real key) gets 401',
    'live pass route (revalidate) now refuses (403)',
  ]) {
    t.match(output, `✓ ${moment}`)
  }
})
