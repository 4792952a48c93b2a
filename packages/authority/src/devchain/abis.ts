import { erc20Abi, erc1155Abi, parseAbi } from 'viem'

/**
 * Typed ABIs of the demo contracts, for viem's type inference in `readContract`/`writeContract`.
 * The untyped, authoritative ABIs are in `devchain-artifacts.json`; test/devchain/artifacts.test.ts checks
 * that every function here exists there with the same signature, outputs and mutability.
 */

export const demoERC20Abi = [...erc20Abi, ...parseAbi(['function mint(address to, uint256 amount)'])] as const

// viem's erc721Abi also lists ERC721Enumerable functions, which DemoERC721 does not have.
export const demoERC721Abi = parseAbi([
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function tokenURI(uint256 tokenId) view returns (string)',
  'function supportsInterface(bytes4 interfaceId) view returns (bool)',
  'function balanceOf(address owner) view returns (uint256)',
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function getApproved(uint256 tokenId) view returns (address)',
  'function isApprovedForAll(address owner, address operator) view returns (bool)',
  'function approve(address to, uint256 tokenId)',
  'function setApprovalForAll(address operator, bool approved)',
  'function transferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)',
  'function mint(address to, uint256 tokenId)',
  'event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)',
  'event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)',
  'event ApprovalForAll(address indexed owner, address indexed operator, bool approved)',
])

export const demoERC1155Abi = [
  ...erc1155Abi,
  ...parseAbi(['function mint(address to, uint256 id, uint256 amount)']),
] as const

export const demoERC1271WalletAbi = parseAbi([
  'function owner() view returns (address)',
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
  'function supportsInterface(bytes4 interfaceId) pure returns (bool)',
])

/** CREATE2 factory of DemoERC1271Wallet accounts: counterfactual addresses for EIP-6492. */
export const demoAccountFactoryAbi = parseAbi([
  'function createAccount(address owner, bytes32 salt) returns (address account)',
  'function getAccountAddress(address owner, bytes32 salt) view returns (address)',
  'event AccountCreated(address indexed account, address indexed owner, bytes32 salt)',
])

/** A contract that answers every other call with an EIP-3668 OffchainLookup revert to its URL. */
export const demoOffchainLookupWalletAbi = parseAbi(['function url() view returns (string)'])

/** What ERC-1271 `isValidSignature` returns for a valid signature (its own selector). */
export const ERC1271_MAGIC_VALUE = '0x1626ba7e'
