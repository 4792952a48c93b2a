/** Spawning the benchmark's child processes (through tsx) and talking to them over IPC. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildReady, CpuReply, ParentMessage } from './protocol.js'

export interface Child<R extends ChildReady> {
  process: ChildProcess
  ready: R
  /** CPU time (user + system) the child has used so far, in µs. */
  cpuMicros(): Promise<number>
  close(): Promise<void>
}

export interface SpawnOptions {
  env?: Record<string, string>
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeArgs?: string[]
  /** Variables of this process's environment the child must not inherit (e.g. a library's config fallbacks). */
  unsetEnv?: string[]
}

/** Starts `script` (a path relative to this folder) with tsx and waits for its `ready` message. */
export async function spawnChild<R extends ChildReady>(
  script: string,
  options: SpawnOptions = {},
): Promise<Child<R>> {
  const file = fileURLToPath(new URL(script, import.meta.url))
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  for (const name of options.unsetEnv ?? []) delete env[name]
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  })
  const ready = await new Promise<R>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${script} exited (${code}) before it was ready`))
    child.once('exit', onExit)
    child.once('error', reject)
    child.once('message', (message: ChildReady) => {
      child.off('exit', onExit)
      resolve(message as R)
    })
  })

  let nextId = 0
  const send = (message: ParentMessage) => child.send(message)
  return {
    process: child,
    ready,
    cpuMicros() {
      const id = nextId++
      return new Promise((resolve) => {
        const onMessage = (message: CpuReply) => {
          if (message.type !== 'cpu' || message.id !== id) return
          child.off('message', onMessage)
          resolve(message.micros)
        }
        child.on('message', onMessage)
        send({ type: 'cpu', id })
      })
    },
    close() {
      if (child.exitCode !== null) return Promise.resolve()
      return new Promise((resolve) => {
        child.once('exit', () => resolve())
        send({ type: 'close' })
      })
    },
  }
}
