import { readFile } from 'node:fs/promises'
import { closestKey } from 'picket-core'
import { rpcEnvVariable } from './chains/errors.js'
import { type ChainRegistry, createChainRegistry } from './chains/registry.js'
import { type AuthorityConfigInput, type ChainOverrideInput, parseAuthorityConfig } from './config.js'

/**
 * What the CLI reads besides the config object itself: the config file (JSON errors with file,
 * line and column), the port (`--port`, `PORT`) and chain RPC URLs (`--rpc`, `PICKET_RPC_<SLUG>`).
 * Every error says what to do; none is left to a stack trace.
 */

/** A mistake in how the CLI was started; its message is printed as is. */
export class CliError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliError'
  }
}

/** Where the config file's name came from, for messages. */
export type ConfigSource = '--config' | 'PICKET_AUTHORITY_CONFIG'

/** Reads and parses a JSON config file; a missing file or a syntax error names the file and the fix. */
export async function readConfigFile(file: string, source: ConfigSource): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new CliError(
        `config file ${file} (from ${source}) does not exist. Fix the path, create the file ` +
          '(a JSON object with at least "projects": see "Configuration" in the README), or start ' +
          'without --config and PICKET_AUTHORITY_CONFIG for a development project',
      )
    }
    if (code === 'EISDIR')
      throw new CliError(`config file ${file} (from ${source}) is a directory, not a JSON file`)
    if (code === 'EACCES') {
      throw new CliError(`config file ${file} (from ${source}) cannot be read: permission denied`)
    }
    throw error
  }
  // Editors on Windows may save a byte-order mark; it is not JSON, but it is not a mistake either.
  if (text.startsWith('\uFEFF')) text = text.slice(1)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new CliError(describeJsonError(file, text, (error as Error).message))
  }
}

/** `file:line:column: not valid JSON: reason`, with the line and a caret under the column. */
export function describeJsonError(file: string, text: string, parserMessage: string): string {
  const offset = jsonSyntaxErrorOffset(text) ?? text.length
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const lineStart = before.lastIndexOf('\n') + 1
  const column = offset - lineStart + 1
  const lineText = text.slice(lineStart).split(/\r?\n/, 1)[0] ?? ''
  // V8's message, without its position ("in JSON at position 7") or its quote of the input.
  const reason = parserMessage
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, ".*" is not valid JSON$/s, '')
  const shown = lineText.length > 120 ? `${lineText.slice(0, 120)}…` : lineText
  const caret = column - 1 <= 120 ? `\n  ${' '.repeat(column - 1)}^` : ''
  return `${file}:${line}:${column}: not valid JSON: ${reason}\n  ${shown}${caret}`
}

/**
 * Where the first JSON syntax error of `text` is (a character offset), or undefined when it is
 * valid. V8's messages give a position for some errors only (never for an unexpected token on
 * Node 20), so the position is found by this small strict scanner (RFC 8259).
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let i = 0
  const stop = (at: number = i): never => {
    throw new JsonStop(at)
  }
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++
  }
  const string = () => {
    i++ // the opening quote
    while (i < text.length) {
      const c = text[i]!
      if (c === '"') {
        i++
        return
      }
      if (c === '\\') {
        const next = text[i + 1]
        if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else stop()
        continue
      }
      if (c < ' ') stop()
      i++
    }
    stop()
  }
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
  const value = (depth: number): void => {
    if (depth > 10_000) stop()
    space()
    const c = text[i]
    if (c === '{') {
      i++
      space()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        space()
        if (text[i] !== '"') stop()
        string()
        space()
        if (text[i] !== ':') stop()
        i++
        value(depth + 1)
        space()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        stop()
      }
    }
    if (c === '[') {
      i++
      space()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value(depth + 1)
        space()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        stop()
      }
    }
    if (c === '"') {
      string()
      return
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      if (!NUMBER.test(text)) stop()
      i = NUMBER.lastIndex
      return
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    stop()
  }
  try {
    value(0)
    space()
    if (i < text.length) stop()
    return undefined
  } catch (error) {
    if (error instanceof JsonStop) return error.at
    throw error
  }
}

class JsonStop {
  constructor(readonly at: number) {}
}

const DEFAULT_PORT = 8787

/** The port: `--port`, else `PORT`, else 8787; anything but 0-65535 is refused naming its source. */
export function resolvePort(
  flag: string | undefined,
  env: string | undefined,
): { port: number; source: string } {
  if (flag === undefined && (env === undefined || env === ''))
    return { port: DEFAULT_PORT, source: 'default' }
  const [text, source] = flag !== undefined ? [flag, '--port'] : [env ?? '', 'PORT']
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!Number.isInteger(port) || port > 65535) {
    throw new CliError(
      `${source} must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(text)}`,
    )
  }
  return { port, source }
}

/** Where a chain's RPC URL came from (precedence: `--rpc` > `PICKET_RPC_<SLUG>` > config > built in). */
export type RpcSource = '--rpc' | 'env' | 'config' | 'built in'

export interface ResolvedRpc {
  /** The config with the RPC URLs of `--rpc` and `PICKET_RPC_<SLUG>` written into `chains`. */
  config: AuthorityConfigInput
  /** The chains as the authority will know them. */
  registry: ChainRegistry
  /** For each chain with an RPC URL, where it came from. */
  sources: ReadonlyMap<string, RpcSource>
}

const ENV_PREFIX = 'PICKET_RPC_'

/**
 * Applies chain RPC URLs from `--rpc SLUG=URL` (repeatable) and `PICKET_RPC_<SLUG>` (slug in
 * capitals, `-` as `_`) over the config's `chains.<slug>.rpcUrl`. Flags win over the environment,
 * which wins over the config. A slug no chain has, a malformed value or a URL that is not http(s)
 * is refused naming where it came from and the chains there are. `config` must be valid already.
 */
export function applyRpcUrls(
  config: AuthorityConfigInput,
  flags: readonly string[],
  env: NodeJS.ProcessEnv,
): ResolvedRpc {
  const parsed = parseAuthorityConfig(config)
  const known = createChainRegistry({ ...parsed.chains })
  const slugs = known.list().map((chain) => chain.slug)
  const knownList = `known chains: ${slugs.join(', ')}; a new EVM chain is added in the config as chains.<slug> with chainId and rpcUrl`

  const fromEnv = new Map<string, string>()
  const envNames = new Map(slugs.map((slug) => [rpcEnvVariable(slug), slug]))
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value.trim() === '') continue
    const slug = envNames.get(name)
    if (slug === undefined) {
      const suggestion = closestKey(name, envNames.keys())
      throw new CliError(
        `${name} names no chain${suggestion ? ` — did you mean ${suggestion}?` : ''} (${knownList})`,
      )
    }
    fromEnv.set(slug, checkRpcUrl(slug, value.trim(), name))
  }

  const fromFlags = new Map<string, string>()
  for (const flag of flags) {
    const at = flag.indexOf('=')
    if (at <= 0 || at === flag.length - 1) {
      throw new CliError(
        `--rpc takes SLUG=URL, e.g. --rpc ethereum=https://rpc.example.com, got ${JSON.stringify(flag)}`,
      )
    }
    const name = flag.slice(0, at)
    const chain = known.get(name)
    if (chain === undefined) {
      const suggestion = closestKey(name, slugs)
      throw new CliError(
        `--rpc ${name}=…: no chain ${JSON.stringify(name)}${suggestion ? ` — did you mean '${suggestion}'?` : ''} (${knownList})`,
      )
    }
    if (fromFlags.has(chain.slug))
      throw new CliError(`--rpc names ${chain.slug} twice: give one URL per chain`)
    fromFlags.set(chain.slug, checkRpcUrl(chain.slug, flag.slice(at + 1).trim(), `--rpc ${name}`))
  }

  const chains: Record<string, ChainOverrideInput> = { ...(config.chains ?? {}) }
  for (const slug of slugs) {
    const rpcUrl = fromFlags.get(slug) ?? fromEnv.get(slug)
    if (rpcUrl === undefined) continue
    // An entry written under an alias (`homestead`) is the same chain: merged, then replaced.
    const aliases = Object.keys(chains).filter((key) => key !== slug && known.get(key)?.slug === slug)
    const base = chains[slug] ?? (aliases[0] === undefined ? undefined : chains[aliases[0]])
    for (const alias of aliases) delete chains[alias]
    // The flag or env names the one endpoint to use: it replaces a config's list too.
    const { rpcUrls: _replaced, ...rest } = base ?? {}
    chains[slug] = { ...rest, rpcUrl }
  }
  const merged: AuthorityConfigInput = { ...config, chains }
  const registry = createChainRegistry({ ...parseAuthorityConfig(merged).chains })

  const sources = new Map<string, RpcSource>()
  for (const chain of registry.list()) {
    if (chain.rpcUrl === undefined) continue
    const configured = Object.entries(config.chains ?? {}).some(
      ([key, entry]) =>
        (entry.rpcUrl !== undefined || entry.rpcUrls !== undefined) && known.get(key)?.slug === chain.slug,
    )
    sources.set(
      chain.slug,
      fromFlags.has(chain.slug)
        ? '--rpc'
        : fromEnv.has(chain.slug)
          ? 'env'
          : configured
            ? 'config'
            : 'built in',
    )
  }
  return { config: merged, registry, sources }
}

function checkRpcUrl(slug: string, value: string, source: string): string {
  if (slug === 'flow') {
    throw new CliError(
      `${source}: token balances are not implemented for Flow, so an RPC URL would not be used`,
    )
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new CliError(`${source}: ${JSON.stringify(value)} is not a URL (an http(s) JSON-RPC endpoint)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${source}: the RPC URL must be http(s), got ${url.protocol}`)
  }
  return value
}
