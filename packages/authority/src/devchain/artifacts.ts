import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'

/** The demo contracts (tools/devchain/contracts, one per file, named after the file); sorted, as in the JSON. */
export const CONTRACT_NAMES = [
  'DemoAccountFactory',
  'DemoERC1155',
  'DemoERC1271Wallet',
  'DemoERC20',
  'DemoERC721',
  'DemoEchoWallet',
  'DemoOffchainLookupWallet',
] as const
export type ContractName = (typeof CONTRACT_NAMES)[number]

export interface Artifact {
  abi: Abi
  /** Creation bytecode, 0x-prefixed. */
  bytecode: Hex
}

export type Artifacts = Record<ContractName, Artifact>

/**
 * Committed output of `scripts/compile-contracts.ts`, shipped in the package (its `files`), so
 * nothing compiles Solidity at runtime. src/devchain/ and dist/devchain/ are both two folders
 * below the package root, where the file sits.
 */
export const ARTIFACTS_PATH = fileURLToPath(new URL('../../devchain-artifacts.json', import.meta.url))

let loaded: Artifacts | undefined

/** Reads and checks the artifacts once; later calls return the same object. */
export function loadArtifacts(): Artifacts {
  loaded ??= readArtifacts()
  return loaded
}

function readArtifacts(): Artifacts {
  const parsed = JSON.parse(readFileSync(ARTIFACTS_PATH, 'utf8')) as Partial<Artifacts>
  for (const name of CONTRACT_NAMES) {
    if (!parsed[name]?.bytecode.startsWith('0x')) {
      throw new Error(`${ARTIFACTS_PATH} has no ${name}; run: npx tsx scripts/compile-contracts.ts`)
    }
  }
  return parsed as Artifacts
}
