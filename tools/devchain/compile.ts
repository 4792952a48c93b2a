import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'
import type { Abi, Hex } from 'viem'
import type { Artifact } from './artifacts.js'
import { EVM_VERSION } from './evm.js'

const CONTRACTS_DIR = fileURLToPath(new URL('./contracts/', import.meta.url))
const OPENZEPPELIN_PREFIX = '@openzeppelin/contracts/'
const OPENZEPPELIN_DIR = dirname(
  createRequire(import.meta.url).resolve('@openzeppelin/contracts/package.json'),
)

interface SolcError {
  severity: 'error' | 'warning' | 'info'
  formattedMessage: string
}

interface SolcOutput {
  errors?: SolcError[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

/**
 * Resolves the only imports our sources make. Source unit names stay package-relative (never
 * absolute paths) because they end up in the metadata hash inside the bytecode: absolute paths
 * would make the artifacts differ from one checkout location to another.
 */
function readImport(path: string): { contents: string } | { error: string } {
  if (!path.startsWith(OPENZEPPELIN_PREFIX)) return { error: `unsupported import ${path}` }
  const file = resolve(OPENZEPPELIN_DIR, path.slice(OPENZEPPELIN_PREFIX.length))
  if (relative(OPENZEPPELIN_DIR, file).startsWith('..'))
    return { error: `import escapes OpenZeppelin: ${path}` }
  try {
    return { contents: readFileSync(file, 'utf8') }
  } catch (error) {
    return { error: String(error) }
  }
}

/**
 * Compiles every `contracts/*.sol` with the bundled solc-js (no download) for {@link EVM_VERSION}.
 * Returns one artifact per contract defined in those files (not the imported ones), keyed by name
 * in sorted order. Throws on any compiler error or warning: the demo contracts should compile clean.
 */
export function compileContracts(): Record<string, Artifact> {
  const files = readdirSync(CONTRACTS_DIR)
    .filter((file) => file.endsWith('.sol'))
    .sort()
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(
      files.map((file) => [file, { content: readFileSync(join(CONTRACTS_DIR, file), 'utf8') }]),
    ),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as SolcOutput

  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info')
  if (problems.length > 0) {
    throw new Error(`solc ${solc.version()}:\n${problems.map((e) => e.formattedMessage).join('\n')}`)
  }

  const artifacts: [string, Artifact][] = []
  for (const file of files) {
    for (const [name, contract] of Object.entries(output.contracts?.[file] ?? {})) {
      const bytecode = contract.evm.bytecode.object
      // Unlinked library placeholders would make the bytecode undeployable as is.
      if (bytecode.includes('__$')) throw new Error(`${name} needs library linking; keep libraries internal`)
      artifacts.push([name, { abi: contract.abi, bytecode: `0x${bytecode}` as Hex }])
    }
  }
  artifacts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(artifacts)
}

/** The exact text of `devchain-artifacts.json`: stable key order, two-space indent, trailing newline. */
export function serializeArtifacts(artifacts: Record<string, Artifact>): string {
  return `${JSON.stringify(artifacts, null, 2)}\n`
}
