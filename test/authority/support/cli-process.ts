/**
 * `picket-authority` as users run it: a real process from the TypeScript source. Shared by the
 * CLI suites (each spawn costs seconds, so they also run commands in process where they can).
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { SOURCE_NODE_ARGS } from '../../support/source-process.js'

export const CLI = resolve(import.meta.dirname, '../../../packages/authority/src/cli.ts')

/** The environment of a CLI child: none of this machine's PICKET_* settings, PORT or REDIS_URL. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('PICKET_') || name === 'PORT' || name === 'REDIS_URL') continue
    env[name] = value
  }
  return { ...env, ...extra }
}

/**
 * Starts the CLI: `firstLine` resolves with its first stdout line (the "listening on" line) and
 * rejects if it exits first; `exited` resolves with its exit code once its output is closed.
 */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, CLI, ...args], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const firstLine = new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      stdout += `${line}\n`
      resolveLine(line)
    })
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  // A run that never prints the line (an invalid config) rejects: expected, not unhandled.
  firstLine.catch(() => {})
  const exited = new Promise<number | null>((resolveExit) => child.once('close', resolveExit))
  return { child, firstLine, exited, stdout: () => stdout, stderr: () => stderr }
}

/** `picket-authority keys …` to completion: exit code, stdout and stderr. */
export async function runKeys(args: string[], cwd: string) {
  const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, CLI, 'keys', ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit))
  return { code, stdout, stderr }
}
