import { rpcEnvVariable } from './chains/errors.js'
import type { ChainDefinition, ChainRegistry } from './chains/registry.js'
import type { RpcSource } from './cli-config.js'
import type { ProjectConfig } from './config.js'

/**
 * What the CLI prints on stderr once it listens: the issuer and JWKS URL, which chains can gate
 * and which cannot (and how to fix that), and a fastify-picket registration to paste into an app.
 */

export interface StartupReport {
  /** Base URL of the API (`…/api/v1`). */
  url: string
  issuer: string
  projects: readonly ProjectConfig[]
  registry: ChainRegistry
  sources: ReadonlyMap<string, RpcSource>
  /** Which secp256k1 recovery verifies EOA logins (the authority's `signatureBackend` line). */
  signatureBackend?: string | undefined
}

const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

/** The host of an RPC URL: its path and query may hold an API key, and this goes to logs. */
/** ` +2 fallbacks` for a chain with a list of endpoints. */
function fallbacks(chain: { rpcUrls?: readonly string[] }): string {
  const more = (chain.rpcUrls?.length ?? 1) - 1
  return more > 0 ? ` +${more} fallback${more > 1 ? 's' : ''}` : ''
}

function rpcHost(rpcUrl: string): string {
  try {
    return new URL(rpcUrl).host
  } catch {
    return 'configured'
  }
}

/** "Token gating" lines: the chains that can check token requirements and those that cannot. */
export function chainLines(registry: ChainRegistry, sources: ReadonlyMap<string, RpcSource>): string[] {
  const chains = registry.list()
  const can = chains.filter((chain) => chain.authorizationSupported)
  const noRpc = chains.filter((chain) => !chain.authorizationSupported && chain.chainType !== 'flow')
  const never = chains.filter((chain) => chain.chainType === 'flow')
  const lines = ['Token gating (balances read from each chain’s RPC URL):']
  lines.push(
    can.length === 0
      ? '  can gate:    none'
      : `  can gate:    ${can.map((chain) => `${chain.slug} (${rpcHost(chain.rpcUrl ?? '')}${fallbacks(chain)}, ${sources.get(chain.slug) ?? 'built in'})`).join(', ')}`,
  )
  if (noRpc.length > 0) {
    const example = noRpc[0]!.slug
    lines.push(
      `  cannot gate: ${noRpc.map((chain) => chain.slug).join(', ')}: no RPC URL. Set one with ` +
        `--rpc ${example}=URL, ${rpcEnvVariable(example)}=URL or chains.${example}.rpcUrl in the config;`,
      '               until then token requirements there are answered 503, naming that setting',
    )
  }
  if (never.length > 0) {
    lines.push(
      `  cannot gate: ${never.map((chain) => chain.slug).join(', ')}: token balances are not implemented (allowedWallets only)`,
    )
  }
  return lines
}

/** The chain a pasted registration should gate on: ethereum when it can, else the first that can. */
function defaultGateChain(registry: ChainRegistry): ChainDefinition | undefined {
  const chains = registry.list()
  return (
    chains.find((chain) => chain.slug === 'ethereum' && chain.authorizationSupported) ??
    chains.find((chain) => chain.authorizationSupported && chain.slug !== 'localhost') ??
    chains.find((chain) => chain.authorizationSupported)
  )
}

/** A fastify-picket registration for `project`, ready to paste (the secret key from PICKET_SECRET_KEY). */
export function pluginRegistration(
  url: string,
  issuer: string,
  project: ProjectConfig,
  chain?: string,
): string {
  const lines = [
    'await app.register(picket, {',
    '  apiKey: process.env.PICKET_SECRET_KEY,',
    `  baseURL: ${quote(url)},`,
    '  verify: {',
    `    jwks: ${quote(`${url}/.well-known/jwks.json`)},`,
    `    audience: ${quote(project.id)},`,
    `    issuer: ${quote(issuer)},`,
    '  },',
  ]
  if (chain !== undefined) lines.push(`  chain: ${quote(chain)},`)
  if (project.allowedDomains !== undefined) {
    lines.push(`  allowedDomains: [${project.allowedDomains.map(quote).join(', ')}],`)
  }
  lines.push("  routes: { prefix: '/auth' },", '})')
  return lines.join('\n')
}

/** The whole stderr report, one string ending in a newline. */
export function startupReport(report: StartupReport): string {
  const { url, issuer, projects, registry, sources, signatureBackend } = report
  const project = projects[0]!
  const chain = defaultGateChain(registry)
  const lines = [
    `Issuer:        ${issuer}`,
    `JWKS:          ${url}/.well-known/jwks.json`,
    ...(signatureBackend ? [signatureBackend] : []),
    ...chainLines(registry, sources),
    '',
    `fastify-picket in your app, for project ${JSON.stringify(project.name)} ` +
      `(import picket from 'fastify-picket'; PICKET_SECRET_KEY = the project's secretKey):`,
    '',
    ...pluginRegistration(url, issuer, project, chain?.slug)
      .split('\n')
      .map((line) => `  ${line}`),
    '',
  ]
  if (projects.length > 1) {
    lines.push(
      `  (${projects.length - 1} more project${projects.length > 2 ? 's' : ''}: the same, with its id as verify.audience and its secret key)`,
      '',
    )
  }
  return `${lines.join('\n')}\n`
}
