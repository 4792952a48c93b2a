/**
 * The three packages as a user meets them: `npm pack`ed (prepack builds them), installed from
 * the tarballs into a fresh app together with a chosen fastify and TypeScript from the npm
 * registry. Each test file packs once and installs one app.
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { childEnv, describeRun, run } from './processes.js'

export const REPO_ROOT = resolve(import.meta.dirname, '../../..')

/** The workspaces, in the order `npm pack` is asked for them. */
export const PACKAGES = ['fastify-picket', 'picket-core', 'express-picket', 'picket-authority'] as const
/** What the Fastify consumer app installs (express-picket gets an app of its own). */
export const FASTIFY_APP_PACKAGES = ['fastify-picket', 'picket-core', 'picket-authority'] as const
export type PackageName = (typeof PACKAGES)[number]

/** Keep the temp dirs (and say where) instead of removing them: `PICKET_KEEP_PACKAGING_TMP=1`. */
export const KEEP_TMP = process.env.PICKET_KEEP_PACKAGING_TMP === '1'

export interface PackedPackage {
  name: PackageName
  version: string
  tarball: string
  /** Paths inside the tarball, relative to the package root, with their modes. */
  files: Map<string, number>
  /** The package.json as shipped. */
  manifest: PackageManifest
}

export interface PackageManifest {
  name: string
  version: string
  files?: string[]
  main?: string
  types?: string
  bin?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

interface NpmPackEntry {
  name: string
  version: string
  filename: string
  files: { path: string; mode: number }[]
}

/** Whether `pid` is a live process (EPERM: alive, but not ours). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Runs `fn` holding a lock shared by every process of this checkout: tap runs the test files in
 * parallel, and two `npm pack`s at once would both `rm -rf dist` and rebuild it under each
 * other. A lock left by a process that died is taken over.
 */
async function withRepoLock<T>(deadlineMs: number, fn: () => Promise<T>): Promise<T> {
  const key = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)
  const dir = join(tmpdir(), `fastify-picket-pack-${key}.lock`)
  const pidFile = join(dir, 'pid')
  const deadline = Date.now() + deadlineMs
  for (;;) {
    try {
      await mkdir(dir)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number(await readFile(pidFile, 'utf8').catch(() => ''))
    const created = await stat(dir).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    )
    // No pid yet: the holder is between mkdir and writeFile, unless that was long ago.
    const abandoned = holder > 0 ? !isAlive(holder) : Date.now() - created > 10_000
    if (abandoned) {
      await rm(dir, { recursive: true, force: true })
      continue
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${deadlineMs} ms for ${dir} (held by pid ${holder || 'unknown'})`)
    }
    await sleep(250)
  }
  await writeFile(pidFile, String(process.pid))
  try {
    return await fn()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** npm prints the prepack script's output before the JSON on some versions; take the JSON. */
function parsePackJson(stdout: string): NpmPackEntry[] {
  const start = stdout.search(/^\[/m)
  if (start === -1) throw new Error(`npm pack --json printed no JSON:\n${stdout}`)
  return JSON.parse(stdout.slice(start)) as NpmPackEntry[]
}

export interface PackResult {
  packages: Map<PackageName, PackedPackage>
  /** How long packing took, and how long it waited for another file's pack. */
  ms: number
  waitedMs: number
}

/**
 * `npm pack` of the root and of each workspace into `dest`. The root's `prepack` (`npm run
 * build`) runs each workspace's own `build` script, in order (core, the root, authority), so the
 * workspaces are then packed with `--ignore-scripts`: their `prepack` is that same `build` again,
 * and two more TypeScript builds would cost this file some 20 s for nothing (the suite checks
 * that each workspace still declares `prepack: npm run build`).
 */
export async function packAll(dest: string): Promise<PackResult> {
  const asked = Date.now()
  let started = asked
  const packages = await withRepoLock(200_000, async () => {
    started = Date.now()
    const packed = new Map<PackageName, PackedPackage>()
    const invocations: [PackageName, string[], string][] = [
      ['fastify-picket', [], '.'],
      ['picket-core', ['-w', 'picket-core', '--ignore-scripts'], 'packages/core'],
      ['express-picket', ['-w', 'express-picket', '--ignore-scripts'], 'packages/express'],
      ['picket-authority', ['-w', 'picket-authority', '--ignore-scripts'], 'packages/authority'],
    ]
    for (const [name, workspace, packageDir] of invocations) {
      const result = await run('npm', ['pack', '--json', '--pack-destination', dest, ...workspace], {
        cwd: REPO_ROOT,
        timeoutMs: 150_000,
      })
      if (result.code !== 0) throw new Error(`packing ${name} failed: ${describeRun(result)}`)
      const [entry] = parsePackJson(result.stdout)
      if (!entry || entry.name !== name) {
        throw new Error(`npm pack ${workspace.join(' ')} packed ${entry?.name}, not ${name}`)
      }
      const tarball = join(dest, entry.filename)
      const manifest = JSON.parse(
        await readFile(join(REPO_ROOT, packageDir, 'package.json'), 'utf8'),
      ) as PackageManifest
      packed.set(name, {
        name,
        version: entry.version,
        tarball,
        files: new Map(entry.files.map((f) => [f.path, f.mode])),
        manifest,
      })
    }
    return packed
  })
  const done = Date.now()
  return { packages, ms: done - started, waitedMs: started - asked }
}

/** Every file a manifest points at (main, types, bin, non-source export conditions). */
export function entryPointFiles(manifest: PackageManifest): string[] {
  const targets = new Set<string>()
  const add = (path: string | undefined) => {
    if (path) targets.add(path.replace(/^\.\//, ''))
  }
  add(manifest.main)
  add(manifest.types)
  for (const path of Object.values(manifest.bin ?? {})) add(path)
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (subpath === './package.json') continue
    if (typeof target === 'string') add(target)
    else for (const [condition, path] of Object.entries(target)) if (condition !== 'picket-source') add(path)
  }
  return [...targets].sort()
}

export interface ConsumerApp {
  /** The app's directory (package.json, node_modules, the files the tests write). */
  dir: string
  /** The temp dir holding the tarballs and the app; removed by `remove`. */
  root: string
  pack: PackResult
  installMs: number
  /** `npm ls`, `npm install` and friends in the app. */
  npm: (args: string[], timeoutMs?: number) => ReturnType<typeof run>
  /** Installed version of a package, from its node_modules/…/package.json. */
  installedVersion: (name: string) => Promise<string>
  remove: () => Promise<void>
}

/**
 * Packs the three packages and installs them into a fresh `"type": "module"` app with
 * `fastifySpec` (e.g. `fastify@5.0.0`), `typescript` and `@types/node` from the registry.
 * Throws with npm's output when packing or installing fails.
 */
export async function createConsumerApp(fastifySpec: string): Promise<ConsumerApp> {
  const root = await mkdtemp(join(tmpdir(), 'fastify-picket-consumer-'))
  const remove = () => (KEEP_TMP ? Promise.resolve() : rm(root, { recursive: true, force: true }))
  try {
    const packDir = join(root, 'packs')
    await mkdir(packDir)
    const pack = await packAll(packDir)
    return { ...(await installApp(root, 'app', pack, FASTIFY_APP_PACKAGES, fastifySpec)), remove }
  } catch (error) {
    await remove()
    throw error
  }
}

/**
 * A second app beside `app` with only the plugin's side installed (`fastify-picket`, the
 * `picket-core` it depends on, the same fastify, TypeScript): with the authority absent, a
 * dependency the plugin uses without declaring it has nowhere to come from.
 */
export async function createPluginOnlyApp(app: ConsumerApp, fastifySpec: string): Promise<ConsumerApp> {
  const alone = await installApp(
    app.root,
    'plugin-only',
    app.pack,
    ['fastify-picket', 'picket-core'],
    fastifySpec,
  )
  return { ...alone, remove: async () => {} }
}

/**
 * A fresh `"type": "module"` app in `root/name` with the tarballs of `names`, the framework
 * (`fastify@5`, `express@5` …) and TypeScript (plus any `extra` registry packages).
 */
export async function installApp(
  root: string,
  name: string,
  pack: PackResult,
  names: readonly PackageName[],
  frameworkSpec: string,
  extra: readonly string[] = [],
): Promise<Omit<ConsumerApp, 'remove'>> {
  const dir = join(root, name)
  await mkdir(dir)
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `picket-consumer-${name}`, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  )
  const npm = (args: string[], timeoutMs = 120_000) =>
    run('npm', args, { cwd: dir, timeoutMs, env: childEnv() })
  const tarballs = names.map((packageName) => pack.packages.get(packageName)!.tarball)
  const install = await npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...tarballs,
      frameworkSpec,
      'typescript',
      '@types/node',
      ...extra,
    ],
    180_000,
  )
  if (install.code !== 0) throw new Error(`npm install in ${name} failed: ${describeRun(install)}`)
  const installedVersion = async (dependency: string) =>
    (
      JSON.parse(await readFile(join(dir, 'node_modules', dependency, 'package.json'), 'utf8')) as {
        version: string
      }
    ).version
  return { dir, root, pack, installMs: install.ms, npm, installedVersion }
}

/** The first ```ts block under `## The plugin` in README.md, read now (never a copy). */
export function readmePluginSnippet(): Promise<string> {
  return readmeSnippet('## The plugin')
}

/** The first ```ts block under `heading` in README.md, read now (never a copy). */
export async function readmeSnippet(heading: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8')
  const lines = readme.split('\n')
  const at = lines.findIndex((line) => line.trim() === heading)
  if (at === -1) throw new Error(`README.md has no "${heading}" heading`)
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (/^## /.test(line)) break
    if (/^```ts\s*$/.test(line)) {
      const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
      if (end === -1) throw new Error(`README.md:${i + 1}: unclosed code block`)
      return `${lines.slice(i + 1, end).join('\n')}\n`
    }
  }
  throw new Error(`README.md has no \`\`\`ts block under "${heading}"`)
}
