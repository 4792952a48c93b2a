/**
 * Child processes for the packaging tests, started the way a user's shell would start them:
 * plain `node` and `npm`, with none of this test process's loader flags. The test process runs
 * with `--conditions=picket-source` (tap's node-arg, possibly also in NODE_OPTIONS) and tap's
 * coverage and loader hooks; a child that inherited them would resolve the packages to src/ or
 * load TypeScript through tap, and test nothing a user meets.
 *
 * Removing NODE_OPTIONS from the `env` given to spawn is not enough: tap's @tapjs/processinfo
 * hooks every spawn of the test process (process-on-spawn) and puts its loader back into the
 * child's NODE_OPTIONS (TypeScript 7's ESM `tsc` then dies with ERR_REQUIRE_CYCLE_MODULE under
 * its require hook, and npm's builds run instrumented). So every child is started through
 * `env -i NAME=VALUE… command`, which execs the command with exactly the environment chosen here.
 */
import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'

/** npm settings a CI job may give through the environment; every other `npm_*` is npm's own. */
const KEPT_NPM_VARIABLES = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'])

/**
 * The environment for every child: this process's, without NODE_OPTIONS (it may carry
 * `--conditions=picket-source` or tap's `--import`), without tap's coverage and loader variables,
 * and without the `npm_*` variables of an enclosing `npm test` (its prefix, workspace and
 * lifecycle would leak into the app's `npm install`).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (name === 'NODE_OPTIONS' || name === 'NODE_V8_COVERAGE' || name === 'INIT_CWD') continue
    if (name.startsWith('TAP') || name.startsWith('_TAPJS') || name.startsWith('TSX_')) continue
    if (/^npm_/i.test(name) && !KEPT_NPM_VARIABLES.has(name.toLowerCase())) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

/**
 * `spawn`, with the child getting exactly `env` (default `childEnv()`) whatever the spawn hooks
 * of this process add. `command` 'node' means this same Node binary, started without this
 * process's execArgv (spawn never passes them; only fork would).
 */
function spawnClean(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcessByStdio<null, Readable, Readable> {
  const executable = command === 'node' ? process.execPath : command
  const assignments = Object.entries(env).flatMap(([name, value]) =>
    value === undefined || name.includes('=') ? [] : [`${name}=${value}`],
  )
  return spawn('env', ['-i', ...assignments, executable, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

export interface RunResult {
  command: string
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

/** Everything a failed command said, for an assertion message. */
export function describeRun(result: RunResult): string {
  const how = result.timedOut ? 'timed out' : `exited ${result.code ?? result.signal}`
  return `${result.command} ${how} after ${result.ms} ms\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`
}

/** The same, as the diagnostics of an assertion (tap prints them when it fails). */
export function runDetails(result: RunResult): Record<string, unknown> {
  return {
    command: result.command,
    exit: result.timedOut ? `timed out after ${result.ms} ms` : (result.code ?? result.signal),
    ms: result.ms,
    stdout: result.stdout,
    stderr: result.stderr,
  }
}

export interface RunOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
  timeoutMs: number
}

/** Runs a command to its end; never rejects for a failing command (the caller asserts on the result). */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now()
  const child = spawnClean(command, args, options.cwd, options.env ?? childEnv())
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs)
  return new Promise((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer)
      resolve({
        command: [command, ...args].join(' '),
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        timedOut,
      })
    }
    child.once('error', (error) => {
      stderr += `\n(spawn failed: ${error.message})`
      finish(null, null)
    })
    child.once('close', finish)
  })
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs)
  })
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL')
    await exited
  }
  clearTimeout(timer)
}

export interface StartedProcess {
  child: ChildProcess
  /** The stdout line that matched `ready`. */
  match: RegExpExecArray
  /** stdout and stderr so far, for failure messages. */
  output: () => string
}

export interface StartOptions extends RunOptions {
  /** A stdout line matching this means the process is ready. */
  ready: RegExp
}

/**
 * Starts a long-running process and resolves once a stdout line matches `ready`; rejects (with
 * everything it printed) if it exits first or `timeoutMs` passes. The caller stops it with
 * `stopProcess`, in a teardown.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  options: StartOptions,
): { child: ChildProcess; ready: Promise<StartedProcess> } {
  const child = spawnClean(command, args, options.cwd, options.env ?? childEnv())
  // Should this process end without its teardowns (tap's timeout), the server goes with it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  let output = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const ready = new Promise<StartedProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `${command} ${args.join(' ')}: no line matching ${options.ready} within ${options.timeoutMs} ms\n${output}`,
        ),
      )
    }, options.timeoutMs)
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      output += `${line}\n`
      const match = options.ready.exec(line)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match, output: () => output })
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(
        new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${output}`),
      )
    })
  })
  // A rejection after the process was ready (it exiting at teardown) is nobody's concern.
  ready.catch(() => {})
  return { child, ready }
}
