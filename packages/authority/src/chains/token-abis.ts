import { parseAbi } from 'viem'

/** Only the functions the balance readers call, so decoding stays strict and small. */

export const erc165Abi = parseAbi(['function supportsInterface(bytes4 interfaceId) view returns (bool)'])

export const decimalsAbi = parseAbi(['function decimals() view returns (uint8)'])

export const totalSupplyAbi = parseAbi(['function totalSupply() view returns (uint256)'])

/** ERC-20 and ERC-721 share `balanceOf(address)`; both return a uint256. */
export const balanceOfAbi = parseAbi(['function balanceOf(address owner) view returns (uint256)'])

export const erc1155BalanceOfBatchAbi = parseAbi([
  'function balanceOfBatch(address[] accounts, uint256[] ids) view returns (uint256[])',
])

export const erc721OwnerOfAbi = parseAbi(['function ownerOf(uint256 tokenId) view returns (address)'])
