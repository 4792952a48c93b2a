import type { ChainInfo, ChainType } from 'picket-core'

/**
 * One chain the authority knows. `rpcUrl`/`dasUrl` are where *this server* reads balances;
 * `publicRPC` is only shown to wallets (`wallet_addEthereumChain`) and never called.
 */
export interface ChainDefinition {
  readonly slug: string
  readonly chainId: number
  readonly chainType: ChainType
  readonly chainName: string
  readonly publicRPC: string
  readonly authorizationSupported: boolean
  /** The first of `rpcUrls`: where reads go while it is healthy. */
  readonly rpcUrl?: string
  /** Every RPC endpoint of the chain, in the order they are tried (one or more; absent without an RPC). */
  readonly rpcUrls?: readonly string[]
  /** Metaplex DAS endpoint for Solana collection/creator checks; falls back to `rpcUrl`. */
  readonly dasUrl?: string
}

/** Per-slug settings from the authority's configuration. Keys may be built-in slugs, aliases or new slugs. */
export type ChainOverrides = Record<
  string,
  {
    rpcUrl?: string
    rpcUrls?: readonly string[]
    chainId?: number
    dasUrl?: string
    chainName?: string
    publicRPC?: string
  }
>

/** Wire shape of a chain (§2.11) plus the `chainID` spelling picket-node's types still use (§9 #14). */
export type ChainInfoWire = ChainInfo & { chainID: number }

export interface ChainRegistry {
  /** Looks a chain up by slug (case-sensitive) or by a wagmi alias (`homestead`, `matic`; §7, §9 #27). */
  get(slugOrAlias: string): ChainDefinition | undefined
  /** Every chain, built-ins first in a stable order, then added slugs in configuration order. */
  list(): ChainDefinition[]
  /** Wire shape for `GET /chains` and `GET /chains/{chain}`. Never exposes `rpcUrl`/`dasUrl` (they may embed API keys). */
  toChainInfo(def: ChainDefinition): ChainInfoWire
}

/**
 * The RPC endpoints a chain is read from, in order: `rpcUrls`, or `rpcUrl` alone for a definition
 * made without the list (a custom `ChainDefinition`); none without an RPC.
 */
export function rpcEndpointsOf(chain: ChainDefinition): readonly string[] {
  return chain.rpcUrls ?? (chain.rpcUrl === undefined ? [] : [chain.rpcUrl])
}

/**
 * What a read's answer depends on besides its question: the chain (slug and id) and the
 * endpoints it is read from. Caches and shared reads key on it, so that no answer crosses chains.
 */
export function chainReadIdentity(chain: ChainDefinition): string {
  return `${chain.slug}\n${chain.chainId}\n${rpcEndpointsOf(chain).join('\n')}`
}

interface BuiltInChain {
  slug: string
  chainId: number
  chainType: ChainType
  chainName: string
  /** Well-known public endpoint, for display only: this server has no internet access by default. */
  publicRPC: string
  rpcUrl?: string
}

const LOCAL_RPC = 'http://127.0.0.1:8545'

/**
 * Built-in chains (§7). Mainnets get no default `rpcUrl`: a default pointing at a public
 * endpoint would silently make token gating depend on a third party (and fail offline).
 */
const BUILT_IN_CHAINS: readonly BuiltInChain[] = [
  {
    slug: 'ethereum',
    chainId: 1,
    chainType: 'ethereum',
    chainName: 'Ethereum',
    publicRPC: 'https://cloudflare-eth.com',
  },
  {
    slug: 'polygon',
    chainId: 137,
    chainType: 'ethereum',
    chainName: 'Polygon',
    publicRPC: 'https://polygon-rpc.com',
  },
  {
    slug: 'optimism',
    chainId: 10,
    chainType: 'ethereum',
    chainName: 'Optimism',
    publicRPC: 'https://mainnet.optimism.io',
  },
  {
    slug: 'arbitrum',
    chainId: 42161,
    chainType: 'ethereum',
    chainName: 'Arbitrum',
    publicRPC: 'https://arb1.arbitrum.io/rpc',
  },
  {
    slug: 'avalanche',
    chainId: 43114,
    chainType: 'ethereum',
    chainName: 'Avalanche',
    publicRPC: 'https://api.avax.network/ext/bc/C/rpc',
  },
  {
    slug: 'base',
    chainId: 8453,
    chainType: 'ethereum',
    chainName: 'Base',
    publicRPC: 'https://mainnet.base.org',
  },
  // Solana has no EIP-155 id, but SIWE needs a non-zero chain id (§4.2). 101 is the id the
  // Solana Labs token list (`@solana/spl-token-registry`, ENV.MainnetBeta = 101) gave
  // mainnet-beta, the only numeric Solana chain id with a published convention.
  {
    slug: 'solana',
    chainId: 101,
    chainType: 'solana',
    chainName: 'Solana',
    publicRPC: 'https://api.mainnet-beta.solana.com',
  },
  // Flow's native chain ids are strings ("flow-mainnet"); 747 is the EIP-155 id registered for
  // Flow mainnet (Flow EVM), the only numeric id Flow has. Non-zero for SIWE (§4.2). Token gating
  // on Flow is not implemented, so `authorizationSupported` is always false.
  {
    slug: 'flow',
    chainId: 747,
    chainType: 'flow',
    chainName: 'Flow',
    publicRPC: 'https://rest-mainnet.onflow.org',
  },
  // The local development chain (ganache/anvil/hardhat default port and chain id).
  {
    slug: 'localhost',
    chainId: 1337,
    chainType: 'ethereum',
    chainName: 'Localhost',
    publicRPC: LOCAL_RPC,
    rpcUrl: LOCAL_RPC,
  },
]

/** wagmi's `chain.network` names that picket-react sends as slugs (§7, §9 #27). */
const ALIASES: Readonly<Record<string, string>> = { homestead: 'ethereum', matic: 'polygon' }

/** Slugs end up in URL paths (`/chains/{chain}`), so keep them path-safe. */
const SLUG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export function createChainRegistry(overrides: ChainOverrides = {}): ChainRegistry {
  const bySlug = new Map<string, ChainDefinition>()
  const builtIns = new Map(BUILT_IN_CHAINS.map((c) => [c.slug, c]))

  for (const c of BUILT_IN_CHAINS) {
    const slug = c.slug
    const override = overrides[slug] ?? findAliasOverride(overrides, slug)
    bySlug.set(slug, defineChain(c, override))
  }

  for (const [key, override] of Object.entries(overrides)) {
    if (builtIns.has(key) || key in ALIASES) continue
    if (!SLUG_PATTERN.test(key))
      throw new TypeError(`Invalid chain slug in overrides: ${JSON.stringify(key)}`)
    if (override?.chainId === undefined) {
      throw new TypeError(`Chain override "${key}" adds a new chain and must set chainId`)
    }
    // New slugs are EVM chains: the only other families need dedicated readers and have built-ins.
    bySlug.set(
      key,
      defineChain(
        {
          slug: key,
          chainId: override.chainId,
          chainType: 'ethereum',
          chainName: key,
          publicRPC: override.rpcUrl ?? override.rpcUrls?.[0] ?? '',
        },
        override,
      ),
    )
  }

  const all = Object.freeze([...bySlug.values()])

  return {
    get(slugOrAlias) {
      if (typeof slugOrAlias !== 'string') return undefined
      return bySlug.get(ALIASES[slugOrAlias] ?? slugOrAlias)
    },
    list() {
      return [...all]
    },
    toChainInfo(def) {
      return {
        chainSlug: def.slug,
        chainId: def.chainId,
        chainID: def.chainId,
        chainType: def.chainType,
        chainName: def.chainName,
        publicRPC: def.publicRPC,
        authorizationSupported: def.authorizationSupported,
      }
    },
  }
}

/** An override written under an alias (`homestead: {...}`) configures the chain it names. */
function findAliasOverride(overrides: ChainOverrides, slug: string) {
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (target === slug && overrides[alias]) return overrides[alias]
  }
  return undefined
}

function defineChain(base: BuiltInChain, override: ChainOverrides[string] | undefined): ChainDefinition {
  const slug = base.slug
  const chainId = override?.chainId ?? base.chainId
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new TypeError(`Chain "${slug}": chainId must be a positive integer (SIWE needs a non-zero id)`)
  }
  const rpcUrls = override?.rpcUrls?.length
    ? override.rpcUrls.map((url, i) => checkUrl(slug, `rpcUrls[${i}]`, url)!)
    : [checkUrl(slug, 'rpcUrl', override?.rpcUrl ?? base.rpcUrl)].filter((url) => url !== undefined)
  const rpcUrl = rpcUrls[0]
  const dasUrl = checkUrl(slug, 'dasUrl', override?.dasUrl)
  // The local chain is meant to be added to a wallet as-is, so its public RPC follows rpcUrl.
  const publicRPC =
    override?.publicRPC ??
    (slug === 'localhost' && rpcUrl !== base.rpcUrl && rpcUrl ? rpcUrl : base.publicRPC)
  const def: ChainDefinition = {
    slug,
    chainId,
    chainType: base.chainType,
    chainName: override?.chainName ?? base.chainName,
    publicRPC,
    // Token gating needs somewhere to read balances; Flow balances are not implemented at all.
    authorizationSupported: base.chainType !== 'flow' && rpcUrl !== undefined,
    ...(rpcUrl !== undefined && { rpcUrl, rpcUrls: Object.freeze(rpcUrls) }),
    ...(dasUrl !== undefined && { dasUrl }),
  }
  return Object.freeze(def)
}

function checkUrl(slug: string, field: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`Chain "${slug}": ${field} is not a URL`)
  }
  // Balance readers speak JSON-RPC over HTTP POST only.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Chain "${slug}": ${field} must be an http(s) URL`)
  }
  return value
}
