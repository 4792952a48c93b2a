/**
 * The chain side of the bundled authority: which chains exist (registry) and what a wallet
 * holds on them (balance reader), with typed failures the HTTP layer maps to statuses.
 */
export * from './addresses.js'
export * from './balance-reader.js'
export type * from './balance-reading.js'
export * from './errors.js'
export * from './json-rpc.js'
export * from './registry.js'
export { ERC721_INTERFACE_ID, ERC1155_INTERFACE_ID, type TokenStandard } from './token-standard.js'
