/**
 * Dependencies point one way: client → core, fastify → client + core, authority → core. Every
 * import in a package's sources is checked against the layer it sits in and against the
 * package's own package.json, so a wrong-way import (core reaching into the client, the plugin
 * into the authority) or a dependency a user's install would not have fails CI.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'
import ts from 'typescript'

const repoRoot = resolve(import.meta.dirname, '../..')

interface Layer {
  /** Folder of the layer's sources, relative to the repository. */
  readonly dir: string
  /** package.json whose dependencies the layer may import. */
  readonly packageJson: string
  /** Other layers' folders it may import by relative path (same package only). */
  readonly relativeTo: readonly string[]
  /** Workspace package names (and subpaths) it may import. */
  readonly workspace: readonly string[]
  /** Dependencies of its package.json that are another layer's (core and client share one). */
  readonly notFor?: readonly string[]
}

const LAYERS: readonly Layer[] = [
  // ofetch is the client's transport: core stays free of HTTP.
  {
    dir: 'packages/core/src/core',
    packageJson: 'packages/core',
    relativeTo: [],
    workspace: [],
    notFor: ['ofetch'],
  },
  {
    dir: 'packages/core/src/client',
    packageJson: 'packages/core',
    relativeTo: ['packages/core/src/core'],
    workspace: [],
  },
  // What both adapters share: it may use core and the client, never a framework.
  {
    dir: 'packages/core/src/server',
    packageJson: 'packages/core',
    relativeTo: ['packages/core/src/core', 'packages/core/src/client'],
    workspace: [],
  },
  {
    dir: 'src/fastify',
    packageJson: '.',
    relativeTo: [],
    workspace: ['picket-core', 'picket-core/client', 'picket-core/server'],
  },
  {
    dir: 'packages/express/src',
    packageJson: 'packages/express',
    relativeTo: [],
    workspace: ['picket-core', 'picket-core/client', 'picket-core/server'],
  },
  { dir: 'src/core', packageJson: '.', relativeTo: [], workspace: ['picket-core'] },
  { dir: 'src/client', packageJson: '.', relativeTo: [], workspace: ['picket-core/client'] },
  {
    dir: 'packages/authority/src',
    packageJson: 'packages/authority',
    relativeTo: [],
    workspace: ['picket-core'],
  },
]

const WORKSPACE_NAMES = ['fastify-picket', 'express-picket', 'picket-core', 'picket-authority']

export interface SourceFile {
  readonly path: string
  readonly text: string
}

/** What a layer may import by bare name: its package's dependencies and peers, less `notFor`. */
function allowedDependencies(layer: Layer): Set<string> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, layer.packageJson, 'package.json'), 'utf8'))
  const names = new Set<string>([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ])
  for (const name of layer.notFor ?? []) names.delete(name)
  return names
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier)
}

/** Every import of `file` that its layer does not allow, as readable lines. */
export function violations(files: readonly SourceFile[]): string[] {
  const problems: string[] = []
  // One package.json read per layer, not per file.
  const allowed = new Map<Layer, Set<string>>()
  for (const file of files) {
    const layer = LAYERS.find((l) => file.path.startsWith(`${l.dir}/`))
    if (layer === undefined) {
      problems.push(`${file.path}: not in any known layer`)
      continue
    }
    let dependencies = allowed.get(layer)
    if (dependencies === undefined) {
      dependencies = allowedDependencies(layer)
      allowed.set(layer, dependencies)
    }
    // preProcessFile sees static imports, `export … from`, `import type` and dynamic import().
    const { importedFiles } = ts.preProcessFile(file.text, true, true)
    for (const { fileName: specifier } of importedFiles) {
      const where = `${file.path}: '${specifier}'`
      if (specifier.startsWith('.')) {
        const target = relative(repoRoot, resolve(repoRoot, dirname(file.path), specifier))
        const allowed = [layer.dir, ...layer.relativeTo].some((dir) => target.startsWith(`${dir}/`))
        if (!allowed) problems.push(`${where} reaches outside its layer (${target})`)
      } else if (WORKSPACE_NAMES.includes(packageOf(specifier))) {
        if (!layer.workspace.includes(specifier)) problems.push(`${where} is a wrong-way import`)
        else if (!dependencies.has(packageOf(specifier))) {
          problems.push(`${where} is not a dependency in ${layer.packageJson}/package.json`)
        }
      } else if (!isBuiltin(specifier) && !dependencies.has(packageOf(specifier))) {
        problems.push(`${where} is not a dependency or peer dependency in ${layer.packageJson}/package.json`)
      }
    }
  }
  return problems
}

function sourcesUnder(dir: string): SourceFile[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const path = relative(repoRoot, join(entry.parentPath, entry.name))
      return { path, text: readFileSync(join(repoRoot, path), 'utf8') }
    })
}

t.test('every source file imports only down its layers and from its own dependencies', async (t) => {
  const files = [
    ...sourcesUnder('src'),
    ...sourcesUnder('packages/core/src'),
    ...sourcesUnder('packages/authority/src'),
  ]
  t.ok(files.length > 100, `${files.length} source files read`)
  t.same(violations(files), [])
})

t.test('the check refuses what it is meant to refuse', async (t) => {
  const cases: [SourceFile, RegExp][] = [
    [
      { path: 'packages/core/src/core/x.ts', text: "import { PicketError } from '../client/errors.js'" },
      /reaches outside its layer/,
    ],
    [{ path: 'packages/core/src/core/x.ts', text: "export * from 'picket-core/client'" }, /wrong-way import/],
    [
      { path: 'packages/core/src/core/x.ts', text: "import type { FastifyInstance } from 'fastify'" },
      /not a dependency/,
    ],
    [{ path: 'src/fastify/x.ts', text: "const a = await import('picket-authority')" }, /wrong-way import/],
    [{ path: 'src/fastify/x.ts', text: "import { Redis } from 'ioredis'" }, /not a dependency/],
    [{ path: 'packages/core/src/core/x.ts', text: "import { ofetch } from 'ofetch'" }, /not a dependency/],
    [
      { path: 'src/fastify/x.ts', text: "import { x } from '../../examples/token-gated-api/app.js'" },
      /outside/,
    ],
    [
      { path: 'packages/authority/src/x.ts', text: "import picket from 'fastify-picket'" },
      /wrong-way import/,
    ],
    [
      { path: 'packages/authority/src/x.ts', text: "import { x } from '../../core/src/core/is-record.js'" },
      /outside/,
    ],
  ]
  for (const [file, problem] of cases) t.match(violations([file]), [problem], `${file.path}: ${file.text}`)
  t.same(
    violations([
      { path: 'packages/core/src/client/x.ts', text: "import { isRecord } from '../core/is-record.js'" },
    ]),
    [],
    'client → core is the allowed direction',
  )
})
