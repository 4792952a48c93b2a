/**
 * Every code block of README.md is taken from, or checked by, this test:
 *   ts       appears verbatim in an example, or type-checks against the sources with the
 *            packages' public names (`fastify-picket`, `picket-core/client`, …) mapped to them;
 *   json     is a configuration the authority's parser accepts;
 *   js       a file of the consumer walkthrough: it parses, names itself on its first line
 *            (`// app.js`), imports only packages the README installs, and is run by the bash
 *            block (`node app.js`) and by test/packaging (consumer-fastify-latest);
 *   bash     each command is an npm script, an existing file, or the authority CLI with flags
 *            it declares, and each environment variable is one the code reads;
 *   mermaid  every `METHOD /path` in the diagram is a route of the token-gated example.
 * A block in any other language fails: nothing in the README goes unchecked. The picture of the
 * flow (docs/flow.svg, shown from raw.githubusercontent.com so that npm's page renders it) is
 * what scripts/flow-svg.ts draws, and names only routes that exist, like the Mermaid block.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAuthorityConfig } from 'picket-authority'
import t from 'tap'
import ts from 'typescript'
import { start } from '../../examples/token-gated-api/app.js'
import { FLOW_SVG_PATH, flowSvg } from '../../scripts/flow-svg.js'

const repoRoot = new URL('../../', import.meta.url).pathname
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
interface PackageJson {
  name: string
  scripts: Record<string, string>
  bin?: Record<string, string>
  files: string[]
  repository: { url: string }
  dependencies: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const readPackageJson = (dir: string) =>
  JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson
const packageJson = readPackageJson('.')
/** The workspace's published packages by name. */
const workspacePackages = new Map(
  ['.', 'packages/core', 'packages/express', 'packages/authority'].map((dir) => [
    readPackageJson(dir).name,
    readPackageJson(dir),
  ]),
)
const authorityBin = readPackageJson('packages/authority').bin ?? {}

interface CodeBlock {
  lang: string
  code: string
  /** 1-based line of the opening fence. */
  line: number
}

function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const end = lines.findIndex((l, j) => j > i && l === '```')
    if (end === -1) throw new Error(`README.md:${i + 1}: unclosed code block`)
    blocks.push({ lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1 })
    i = end
  }
  return blocks
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f))
}

const blocks = codeBlocks(readme)
const where = (block: CodeBlock) => `README.md:${block.line} (${block.lang})`

t.test('the README has code blocks, all in checked languages', async (t) => {
  t.ok(blocks.length >= 10)
  for (const block of blocks) t.ok(['ts', 'js', 'json', 'bash', 'mermaid'].includes(block.lang), where(block))
})

// ---- ts ---------------------------------------------------------------------------------------

function typeCheck(snippets: Map<string, string>): { problems: Map<string, string[]>; files: string[] } {
  const configFile = ts.readConfigFile(join(repoRoot, 'tsconfig.json'), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, repoRoot)
  // tsconfig.json's `paths` map every package name of the workspace to its sources.
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (file) => snippets.has(file) || fileExists.call(host, file)
  host.readFile = (file) => snippets.get(file) ?? readFile.call(host, file)
  host.getSourceFile = (file, language, ...rest) => {
    const text = snippets.get(file)
    return text === undefined
      ? getSourceFile.call(host, file, language, ...rest)
      : ts.createSourceFile(file, text, language, true)
  }
  const program = ts.createProgram([...snippets.keys()], options, host)
  const problems = new Map<string, string[]>([...snippets.keys()].map((file) => [file, []]))
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName
    if (!file || !problems.has(file)) continue
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    problems
      .get(file)!
      .push(`line ${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
  }
  return { problems, files: program.getSourceFiles().map((f) => f.fileName) }
}

t.test('ts blocks: verbatim from an example, or type-check with the public package names', async (t) => {
  const exampleSources = filesUnder(join(repoRoot, 'examples'), '.ts').map((f) => readFileSync(f, 'utf8'))
  const tsBlocks = blocks.filter((b) => b.lang === 'ts')
  t.ok(tsBlocks.length >= 5)
  const toCheck = new Map<string, CodeBlock>()
  for (const [i, block] of tsBlocks.entries()) {
    if (exampleSources.some((source) => source.includes(block.code))) {
      t.pass(`${where(block)} appears verbatim in an example`)
      continue
    }
    const imports = [...block.code.matchAll(/from '([^']+)'/g)].map((m) => m[1]!)
    for (const specifier of imports) {
      t.notOk(specifier.startsWith('.'), `${where(block)} imports by package name, not '${specifier}'`)
    }
    // A file next to this test: it is ESM (package.json "type": "module") and sees node_modules.
    toCheck.set(join(repoRoot, 'test', 'examples', `readme-snippet-${i + 1}.ts`), block)
  }
  const { problems, files } = typeCheck(new Map([...toCheck].map(([file, block]) => [file, block.code])))
  t.same(
    files.filter((f) => !f.includes('/node_modules/') && f.includes('/dist/')),
    [],
    'checked against the sources, never a stale dist/',
  )
  for (const [file, block] of toCheck) {
    t.same(problems.get(file), [], `${where(block)} type-checks`)
  }
})

// ---- json -------------------------------------------------------------------------------------

t.test('json blocks are configurations the authority accepts', async (t) => {
  const jsonBlocks = blocks.filter((b) => b.lang === 'json')
  t.ok(jsonBlocks.length >= 1)
  for (const block of jsonBlocks) {
    t.doesNotThrow(() => parseAuthorityConfig(JSON.parse(block.code)), where(block))
  }
})

// ---- js ---------------------------------------------------------------------------------------

/** The README's plain-JS files, by the name on their first line (`// app.js`). */
const jsFiles = new Map(
  blocks
    .filter((b) => b.lang === 'js')
    .map((block) => [/^\/\/ ([\w-]+\.js)\s*$/m.exec(block.code.split('\n')[0] ?? '')?.[1] ?? '', block]),
)

/** Every package a README `npm install` line names (flags left out). */
const readmeInstalls = new Set(
  blocks
    .filter((b) => b.lang === 'bash')
    .flatMap((b) => b.code.split('\n'))
    .flatMap((line) => line.split('&&'))
    .map((command) => command.trim().split(/\s+/))
    .filter(([tool, verb]) => tool === 'npm' && verb === 'install')
    .flatMap(([, , ...args]) => args.filter((arg) => !arg.startsWith('-'))),
)

t.test('js blocks: named files that parse and import only what the README installs', async (t) => {
  const jsBlocks = blocks.filter((b) => b.lang === 'js')
  t.ok(jsBlocks.length >= 2)
  t.notOk(jsFiles.has(''), 'every js block names its file on its first line')
  t.equal(jsFiles.size, jsBlocks.length, 'no two js blocks name the same file')
  for (const block of jsBlocks) {
    const source = ts.createSourceFile(
      'block.mjs',
      block.code,
      ts.ScriptTarget.ES2022,
      true,
      ts.ScriptKind.JS,
    )
    const syntax = (source as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics
    t.same(
      syntax.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      [],
      `${where(block)} parses`,
    )
    for (const [, specifier] of block.code.matchAll(/from '([^']+)'/g)) {
      const name = specifier!.startsWith('@')
        ? specifier!.split('/').slice(0, 2).join('/')
        : specifier!.split('/')[0]!
      t.ok(
        specifier!.startsWith('node:') || readmeInstalls.has(name),
        `${where(block)} imports ${specifier}, which the README installs`,
      )
    }
  }
})

// ---- bash -------------------------------------------------------------------------------------

const cliSource = readFileSync(join(repoRoot, 'packages/authority/src/cli.ts'), 'utf8')
const cliFlags = new Set([...cliSource.matchAll(/^\s{6}(\w+): \{ type:/gm)].map((m) => m[1]!))
const keysSource = readFileSync(join(repoRoot, 'packages/authority/src/key-commands.ts'), 'utf8')
const keyActions = new Set(
  /const ACTIONS = \[([^\]]*)\]/
    .exec(keysSource)?.[1]
    ?.match(/'(\w+)'/g)
    ?.map((a) => a.slice(1, -1)) ?? [],
)
const keyFlags = new Set([...keysSource.matchAll(/^\s{6}(\w+): \{ type:/gm)].map((m) => m[1]!))
const devChainSource = readFileSync(join(repoRoot, 'packages/authority/src/devchain/command.ts'), 'utf8')
const devChainFlags = new Set([...devChainSource.matchAll(/^\s{6}(\w+): \{ type:/gm)].map((m) => m[1]!))
/** The plain setup steps of the empty-directory walkthrough. */
const SETUP_COMMANDS = [/^mkdir [\w-]+$/, /^cd [\w-]+$/, /^npm init -y$/, /^npm pkg set type=module$/]
const codeThatReadsEnv = [
  cliSource,
  ...filesUnder(join(repoRoot, 'examples'), '.ts').map((f) => readFileSync(f, 'utf8')),
]

/** Why a README shell command would not work, or undefined when it would. */
function commandProblem(command: string): string | undefined {
  let rest = command.trim()
  for (
    let env = /^([A-Z_][A-Z0-9_]*)=\S+\s+/.exec(rest);
    env;
    env = /^([A-Z_][A-Z0-9_]*)=\S+\s+/.exec(rest)
  ) {
    const name = env[1]!
    if (!codeThatReadsEnv.some((source) => source.includes(`process.env.${name}`))) {
      return `no code reads the environment variable ${name}`
    }
    rest = rest.slice(env[0].length)
  }
  if (SETUP_COMMANDS.some((setup) => setup.test(rest))) return undefined
  const [tool, verb, ...args] = rest.split(/\s+/)
  if (tool === 'node' && verb?.endsWith('.js')) {
    return jsFiles.has(verb) ? undefined : `no js block of the README is ${verb}`
  }
  if (tool === 'npm' && (verb === 'ci' || verb === 'test') && args.length === 0) return undefined
  if (tool === 'npm' && verb === 'start' && args.length === 0) {
    return packageJson.scripts.start ? undefined : 'no start script'
  }
  if (tool === 'npm' && verb === 'run' && args.length === 1) {
    return packageJson.scripts[args[0]!] ? undefined : `no npm script ${args[0]}`
  }
  if (tool === 'npm' && verb === 'install') {
    const [self, ...others] = args.filter((arg) => arg !== '--save-dev')
    // Only packages some workspace package declares as a peer (optional ones included).
    const peers = new Set(
      [...workspacePackages.values()].flatMap((p) => Object.keys(p.peerDependencies ?? {})),
    )
    if (!workspacePackages.has(self ?? '') && [self, ...others].every((name) => peers.has(name ?? ''))) {
      return undefined
    }
    const installed = workspacePackages.get(self ?? '')
    if (!installed) return `npm install should name one of ${[...workspacePackages.keys()].join(', ')} first`
    const known = { ...installed.peerDependencies, ...packageJson.devDependencies }
    const unknown = others.filter((name) => !(name in known))
    return unknown.length === 0 ? undefined : `not a peer or dev dependency: ${unknown.join(', ')}`
  }
  if (tool === 'npx' && verb === 'tsx' && args.length === 1) {
    return existsSync(join(repoRoot, args[0]!)) ? undefined : `no file ${args[0]}`
  }
  if (tool === 'npx' && verb && verb in authorityBin) {
    if (!existsSync(join(repoRoot, 'packages/authority/src/cli.ts'))) return 'the CLI source is missing'
    // `keys <action>`: the key-set commands, with their own flags.
    const keys = args[0] === 'keys'
    const devChain = args[0] === 'devchain'
    if (keys && !keyActions.has(args[1] ?? '')) return `the CLI has no keys command ${args[1]}`
    const flags = keys ? keyFlags : devChain ? devChainFlags : cliFlags
    for (let i = keys ? 2 : devChain ? 1 : 0; i < args.length; i += 2) {
      const flag = /^--(\w+)$/.exec(args[i]!)?.[1]
      if (!flag || !flags.has(flag)) return `the CLI has no flag ${args[i]}`
      if (args[i + 1] === undefined) return `${args[i]} needs a value`
    }
    return undefined
  }
  return 'not a command this test knows how to check'
}

t.test('bash blocks: scripts, files, CLI flags and environment variables that exist', async (t) => {
  t.ok(cliFlags.has('port') && cliFlags.has('config'), 'read the CLI flags')
  t.equal(commandProblem('npm run no-such-script'), 'no npm script no-such-script', 'the checker refuses')
  t.ok(keyActions.has('promote') && keyFlags.has('kid'), 'read the keys commands and flags')
  t.ok(devChainFlags.has('port') && devChainFlags.has('mint'), 'read the devchain flags')
  t.equal(commandProblem('npx picket-authority devchain --chain 1'), 'the CLI has no flag --chain')
  t.equal(commandProblem('node missing.js'), 'no js block of the README is missing.js')
  t.equal(
    commandProblem('npm install --save-dev left-pad'),
    'npm install should name one of fastify-picket, picket-core, express-picket, picket-authority first',
  )
  t.equal(
    commandProblem('npx picket-authority keys rotate --file k.json'),
    'the CLI has no keys command rotate',
  )
  const bashBlocks = blocks.filter((b) => b.lang === 'bash')
  t.ok(
    bashBlocks.some((b) => b.code === 'npm ci && npm start'),
    'the quick start',
  )
  t.ok(bashBlocks.some((b) => b.code === 'npm test'))
  for (const block of bashBlocks) {
    for (const line of block.code.split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue
      // A trailing `# comment` is not part of the command.
      for (const command of line.replace(/\s+#\s.*$/, '').split('&&')) {
        t.equal(commandProblem(command), undefined, `${where(block)}: ${command.trim()}`)
      }
    }
  }
})

// ---- mermaid ----------------------------------------------------------------------------------

t.test('every route in the diagram and in the flow picture exists in the token-gated example', async (t) => {
  const example = await start({ port: 0 })
  t.teardown(() => example.close())
  const diagrams = blocks.filter((b) => b.lang === 'mermaid')
  t.ok(diagrams.length >= 1)
  const picture = { name: 'docs/flow.svg', code: readFileSync(FLOW_SVG_PATH, 'utf8') }
  for (const { name, code } of [...diagrams.map((b) => ({ name: where(b), code: b.code })), picture]) {
    const routes = [...code.matchAll(/\b(GET|POST) (\/[\w/.-]*)/g)]
    t.ok(routes.length >= 4, `${name} names routes`)
    for (const [, method, url] of routes) {
      t.ok(example.app.hasRoute({ method: method as 'GET' | 'POST', url: url! }), `${name}: ${method} ${url}`)
    }
  }
})

// ---- the flow picture -------------------------------------------------------------------------

t.test('docs/flow.svg is what scripts/flow-svg.ts draws, self-contained, on a white card', async (t) => {
  const svg = readFileSync(FLOW_SVG_PATH, 'utf8')
  t.equal(svg, flowSvg(), 'up to date: run `npx tsx scripts/flow-svg.ts` after editing the script')
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="(8\d\d|900)" /, '800 to 900 px wide')
  t.match(svg, /<rect width="\d+" height="\d+" rx="\d+" fill="#ffffff"\/>/, 'a white background')
  t.notMatch(svg, /<script|<image|<foreignObject|@import|@font-face|url\(|href=/i, 'nothing external')
  t.match(svg, /decided from the token alone/)
  t.match(svg, /read from the chain/)
})

t.test('the flow section shows the picture first, the Mermaid block folded under it', async (t) => {
  const section = readme.slice(readme.indexOf('## The flow in 30 seconds\n'))
  const lines = section.split('\n')
  t.match(lines[2], /^!\[[^\]]+\]\(https:\/\/raw\.githubusercontent\.com\/.+\/main\/docs\/flow\.svg\)$/)
  const details = section.indexOf(
    '<details><summary>The same flow as a Mermaid diagram</summary>\n\n```mermaid\n',
  )
  t.ok(details > 0, 'the Mermaid block opens a <details>, after a blank line')
  t.ok(section.indexOf('```\n\n</details>\n', details) > details, 'and closes it, after a blank line')
})

// npm shows README.md without the repository around it: a relative link must be a shipped file,
// and an image must come from raw.githubusercontent.com (the repository's own page is HTML).
const repository = packageJson.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')
const rawRepository = repository.replace(/^https:\/\/github\.com\//, 'https://raw.githubusercontent.com/')

/** Why a README link (or image) would be broken on the registry page, or undefined when it works. */
function linkProblem(target: string): string | undefined {
  if (target.startsWith('#')) return undefined
  let path: string | undefined
  if (target.startsWith(`${repository}/`)) {
    path = /^\/(?:blob|tree)\/main\/(.+)$/.exec(target.slice(repository.length))?.[1]
    if (path === undefined) return 'not a file on the main branch'
  } else if (target.startsWith('https://raw.githubusercontent.com/')) {
    if (!target.startsWith(`${rawRepository}/main/`)) return `not under ${rawRepository}/main/`
    path = target.slice(`${rawRepository}/main/`.length)
  } else if (/^https?:/.test(target)) {
    return undefined
  } else {
    if (!packageJson.files.includes(target)) return 'a relative link to a file the package does not ship'
    path = target
  }
  return existsSync(join(repoRoot, path)) ? undefined : `no file ${path} in the repository`
}

t.test('links work on the registry page: to the repository, or to a file the package ships', async (t) => {
  t.equal(
    linkProblem(`${rawRepository}/main/docs/no-such-picture.svg`),
    'no file docs/no-such-picture.svg in the repository',
    'the checker refuses a missing file',
  )
  t.equal(linkProblem(`${rawRepository}/develop/docs/flow.svg`), `not under ${rawRepository}/main/`)
  t.equal(
    linkProblem('https://raw.githubusercontent.com/someone/else/main/docs/flow.svg'),
    `not under ${rawRepository}/main/`,
  )
  t.equal(linkProblem(`${repository}/blob/main/no-such-file.md`), 'no file no-such-file.md in the repository')
  t.equal(linkProblem(`${rawRepository}/main/docs/flow.svg`), undefined)
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
  t.ok(
    links.some((l) => l.startsWith(`${repository}/`)),
    'links into the repository',
  )
  t.ok(links.includes(`${rawRepository}/main/docs/flow.svg`), 'shows the flow picture')
  for (const target of links) {
    t.equal(linkProblem(target), undefined, target)
  }
})
