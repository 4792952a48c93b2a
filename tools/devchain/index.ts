/**
 * An in-process EVM dev chain on loopback with demo ERC-20/721/1155 tokens and an ERC-1271
 * wallet, for tests, examples and benchmarks. See chain.ts for the entry point.
 */
export {
  demoAccountFactoryAbi,
  demoERC20Abi,
  demoERC721Abi,
  demoERC1155Abi,
  demoERC1271WalletAbi,
  demoOffchainLookupWalletAbi,
  ERC1271_MAGIC_VALUE,
} from './abis.js'
export {
  type Artifact,
  type Artifacts,
  CONTRACT_NAMES,
  type ContractName,
  loadArtifacts,
} from './artifacts.js'
export {
  DEFAULT_CHAIN_ID,
  DEFAULT_MNEMONIC,
  type DevChain,
  type DevChainAccount,
  type StartDevChainOptions,
  startDevChain,
} from './chain.js'
export type { DevPublicClient, DevTestClient, DevWalletClient } from './clients.js'
export type { TokenActions } from './token-actions.js'
