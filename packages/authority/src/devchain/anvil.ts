import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'

/** The optional peer dependency that brings the EVM: Foundry's anvil, a prebuilt binary from npm. */
export const ANVIL_PACKAGE = '@foundry-rs/anvil'

/** Thrown when the dev chain's engine is not installed, with what to run. */
export class DevChainEngineMissingError extends Error {
  constructor(detail: string) {
    super(
      `the dev chain needs the optional package ${ANVIL_PACKAGE} (Foundry's anvil, a prebuilt binary ` +
        `from npm, about 45 MB), which is not installed${detail}. Install it next to picket-authority: ` +
        `npm install --save-dev ${ANVIL_PACKAGE}`,
    )
    this.name = 'DevChainEngineMissingError'
  }
}

/** npm's platform package of the anvil binary, as @foundry-rs/anvil's own launcher names them. */
function platformPackage(): string | undefined {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined
  const supported = ['darwin', 'linux', 'win32']
  if (!arch || !supported.includes(process.platform) || (process.platform === 'win32' && arch !== 'amd64')) {
    return undefined
  }
  return `@foundry-rs/anvil-${process.platform}-${arch}`
}

/**
 * The anvil executable: the binary of @foundry-rs/anvil's platform package (its optional
 * dependency), else the one its postinstall may have fetched beside it. Resolved from the app's
 * node_modules (this file's location), never from PATH: the version is the one the app installed.
 */
export function findAnvilBinary(): string {
  const require = createRequire(import.meta.url)
  let launcher: string
  try {
    launcher = require.resolve(`${ANVIL_PACKAGE}/package.json`)
  } catch {
    throw new DevChainEngineMissingError('')
  }
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  const platform = platformPackage()
  if (!platform) {
    throw new DevChainEngineMissingError(` for ${process.platform}-${process.arch} (no anvil build for it)`)
  }
  const candidates: string[] = []
  try {
    candidates.push(createRequire(launcher).resolve(`${platform}/bin/${binary}`))
  } catch {
    // Not installed (npm --omit=optional, or --no-optional): try the postinstall's copy.
  }
  candidates.push(join(dirname(launcher), '..', 'dist', binary))
  const found = candidates.find((path) => existsSync(path))
  if (!found)
    throw new DevChainEngineMissingError(` completely (its platform package ${platform} is missing)`)
  return found
}

export interface AnvilOptions {
  host: string
  /** 0 picks a free port. */
  port: number
  chainId: number
  mnemonic: string
  accounts: number
}

export interface AnvilProcess {
  /** `http://HOST:PORT`, as anvil reported it once listening. */
  rpcUrl: string
  port: number
  /** Resolves when anvil has exited, for whatever reason. */
  exited: Promise<void>
  /** Stops anvil (SIGTERM, then SIGKILL after 5 s) and resolves once it exited. Safe to call twice. */
  close(): Promise<void>
}

/** What anvil prints on stdout once its server accepts connections. */
const LISTENING = /^Listening on (\S+):(\d+)$/

/**
 * Starts anvil as a child process and resolves once it listens. Each transaction is mined as it
 * arrives (anvil's default automine), so its receipt exists when the sender asks for it. If this
 * process dies without closing it, anvil goes too (it is killed on this process's exit).
 */
export async function startAnvil(options: AnvilOptions, binary = findAnvilBinary()): Promise<AnvilProcess> {
  const args = [
    '--host',
    options.host,
    '--port',
    String(options.port),
    '--chain-id',
    String(options.chainId),
    '--mnemonic',
    options.mnemonic,
    '--accounts',
    String(options.accounts),
  ]
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))

  // What anvil said before it listened, for the error if it never does; its request log after
  // that is read and dropped (a dev chain may run for days).
  let output = ''
  let listening = false
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (!listening) output += chunk
  })
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      if (listening) return
      output += `${line}\n`
      const match = LISTENING.exec(line.trim())
      if (match) {
        listening = true
        resolve(Number(match[2]))
      }
    })
    child.once('error', (error) => reject(new Error(`could not start anvil (${binary}): ${error.message}`)))
    child.once('exit', (code, signal) => {
      const tail = output.trim().split('\n').slice(-5).join('\n')
      reject(new Error(`anvil exited (${code ?? signal}) before it listened:\n${tail}`))
    })
  })

  let closed: Promise<void> | undefined
  return {
    rpcUrl: `http://${options.host}:${port}`,
    port,
    exited,
    close: () => {
      closed ??= stopChild(child)
      return closed
    },
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const late = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(late)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
