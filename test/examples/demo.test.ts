/**
 * `npm run demo` as a user runs it: a child process that prints the flow picture first, starts
 * the example, plays the story and must exit 0 with every step reported as behaved, each step
 * tagged [login], [token] or [chain] as the picture is. The tags are then checked against what
 * the steps really did: the story is played in this process while every HTTP request to the app
 * and to the chain is watched.
 */
import { spawn } from 'node:child_process'
import diagnosticsChannel from 'node:diagnostics_channel'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { start } from '../../examples/token-gated-api/app.js'
import { FLOW_PICTURE, stepTag } from '../../examples/token-gated-api/flow-picture.js'
import { type Decision, runStory, type StoryStep } from '../../examples/token-gated-api/story.js'

const repoRoot = new URL('../../', import.meta.url).pathname

t.test(
  'the flow picture: at most 80 columns and 20 lines, lifelines aligned, every tag explained',
  async (t) => {
    const lines = FLOW_PICTURE.split('\n')
    t.ok(lines.length <= 20, `${lines.length} lines`)
    for (const line of lines) {
      t.ok(line.length <= 80, `${line.length} columns: ${line}`)
      t.match(line, /^[\x20-\x7e]*$/, 'plain ASCII')
      t.equal(line, line.trimEnd(), 'no trailing spaces')
    }
    // The first row of bare lifelines fixes their columns; every row of the diagram below it
    // (down to the blank line before the legend) has a `|` in each of them.
    const first = lines.findIndex((line) => /^\s*\|[\s|]*$/.test(line))
    t.ok(first > 0, 'a row of bare lifelines')
    const columns = [...lines[first]!.matchAll(/\|/g)].map((m) => m.index)
    t.equal(columns.length, 4, 'browser, app, API, chain')
    const end = lines.indexOf('', first)
    t.ok(end > first + 5, 'the diagram has rows')
    for (const line of lines.slice(first, end)) {
      t.same(
        columns.map((c) => line[c]),
        ['|', '|', '|', '|'],
        `lifelines line up: ${line}`,
      )
    }
    const legend = lines.slice(end + 1)
    for (const decision of ['login', 'token', 'chain'] as const) {
      const tag = stepTag(decision)
      t.ok(
        lines.slice(first, end).some((line) => line.startsWith(`${tag} |`)),
        `${tag} marks a row of the diagram`,
      )
      t.ok(
        legend.some((line) => line.startsWith(`${tag} `)),
        `the legend explains ${tag}`,
      )
    }
    t.match(legend.join('\n'), /\[token\] decided from the token alone/)
    t.match(legend.join('\n'), /\[chain\] read from the chain \(RPC\)/)
    t.equal(stepTag('none'), '       ', 'an ungated step gets blanks as wide as a tag')
  },
)

t.test('npm run demo opens with the picture, exits 0, and tags every step', async (t) => {
  // Its own process group, so that the timeout can end npm and the tsx process under it.
  const child = spawn('npm', ['run', '--silent', 'demo'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(killer)

  t.equal(code, 0, output)
  t.ok(stdout.startsWith(`${FLOW_PICTURE}\n`), 'the picture comes first, before the example starts')
  t.notMatch(output, /✗/, 'no step misbehaved')
  const summary = /(\d+)\/(\d+) steps behaved\./.exec(output)
  t.ok(summary, 'prints a summary')
  t.equal(summary?.[1], summary?.[2])

  const stepLines = stdout.split('\n').filter((line) => /^[✓✗] /.test(line))
  t.equal(stepLines.length, Number(summary?.[2]), 'one line per step')
  for (const line of stepLines) {
    t.match(line, /^✓ (\[login\]|\[token\]|\[chain\]| {7}) \S/, `tagged: ${line}`)
  }
  for (const moment of [
    '[login] log in: the signature is exchanged for an access token',
    '        public route: open to everyone',
    '[token] members route with the token: 200',
    '[token] allowlist route: the holder is listed',
    '[chain] pass-holders route: 200 (incremental authorization)',
    '[token] pass-holders again with the new token: decided from the token',
    '[login] the same signature submitted twice is refused',
    '[chain] outsider: pass-holders route refuses (403)',
    '[token] outsider: not on the allowlist (403)',
    '[token] a tampered token (payload edited) gets 401',
    '[token] an expired token (signed by the real key) gets 401',
    '[token] pass-holders (from the token) still answers 200',
    '[chain] live pass route (revalidate) now refuses (403)',
  ]) {
    t.ok(stepLines.includes(`✓ ${moment}`), `✓ ${moment}`)
  }
})

interface Traffic {
  /** Paths (no query) of the requests the example app received. */
  app: string[]
  /** Requests the chain's JSON-RPC server received. */
  chain: number
}

t.test('each tag is what the step did: [chain] read the chain through /authz, [token] did not', async (t) => {
  const example = await start({ port: 0 })
  t.teardown(() => example.close())
  const appPort = Number(new URL(example.url).port)
  const chainPort = Number(new URL(example.demo.chain.rpcUrl).port)
  let traffic: Traffic = { app: [], chain: 0 }
  const watch = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: Server }
    const port = (server.address() as AddressInfo | null)?.port
    if (port === appPort) traffic.app.push(new URL(request.url ?? '/', example.url).pathname)
    else if (port === chainPort) traffic.chain++
  }
  diagnosticsChannel.subscribe('http.server.request.start', watch)
  t.teardown(() => diagnosticsChannel.unsubscribe('http.server.request.start', watch))

  // Steps run one after another, and each is reported once its requests are answered.
  const seen: { step: StoryStep; traffic: Traffic }[] = []
  const result = await runStory(example, (step) => {
    seen.push({ step, traffic })
    traffic = { app: [], chain: 0 }
  })
  t.ok(result.ok, 'every step behaved')

  const ungated = new Set(example.routes.filter((r) => r.picket === undefined).map((r) => r.path))
  // Signing in: the helper routes, the API's nonce and login, and the JWKS the new token is checked with.
  const isLogin = (path: string) =>
    /^\/auth\/|^\/api\/v1\/auth(\/nonce)?$/.test(path) || path === '/api/v1/.well-known/jwks.json'
  let previous: Decision | undefined
  for (const { step, traffic } of seen) {
    const authz = traffic.app.filter((path) => path === '/api/v1/authz').length
    const what = `[${step.decidedBy}] ${step.title}: app ${JSON.stringify(traffic.app)}, ${traffic.chain} chain calls`
    switch (step.decidedBy) {
      case 'token':
        t.ok(authz === 0 && traffic.chain === 0, `no /authz, no chain read: ${what}`)
        break
      case 'chain':
        t.ok(
          (authz > 0 && traffic.chain > 0) ||
            (traffic.app.length === 0 && traffic.chain === 0 && previous === 'chain'),
          `read the chain through /authz, or looks at the answer of a step that did: ${what}`,
        )
        break
      case 'login':
        t.ok(authz === 0 && traffic.app.every(isLogin), `signing in only: ${what}`)
        break
      case 'none':
        t.ok(authz === 0 && traffic.app.every((path) => ungated.has(path)), `no gate ran: ${what}`)
        break
    }
    previous = step.decidedBy
  }
  const count = (decision: Decision) => seen.filter(({ step }) => step.decidedBy === decision).length
  t.ok(count('chain') >= 5 && count('token') >= 10 && count('login') >= 6, 'every kind of step is there')
  t.ok(
    seen.some(({ traffic }) => traffic.app.includes('/api/v1/authz')),
    'the watch sees the /authz calls (so an absence means something)',
  )
})
