/**
 * The README's five real-world gates (section "Gates"), verbatim: test/examples/real-world-gates
 * parses each with the plugin's own parser, so a gate shown in the README is one that registers.
 */
import type { GateExpression } from 'picket-core'

// 1. Holds pass #1–#100 on Ethereum AND (≥ 500 USDC on Base OR is on the allowlist).
export const passAndCoinOrAllowlist: GateExpression = {
  all: [
    {
      erc721: { chain: 'ethereum', contract: '0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d', ids: ['1-100'] },
      label: 'Pass #1–#100',
    },
    {
      any: [
        {
          erc20: { chain: 'eip155:8453', contract: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913', min: '500' },
        },
        {
          allowlist: [
            '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
            '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
          ],
        },
      ],
    },
  ],
}

// 2. Any 2 of these 3 collections, on three chains.
export const twoOfThreeCollections: GateExpression = {
  atLeast: {
    n: 2,
    of: [
      { erc721: { chain: 'ethereum', contract: '0xbd3531da5cf5857e7cfaa92426877b022e612cf8' } },
      { erc721: { chain: 'polygon', contract: '0x2953399124f0cbb46d2cbacd8a89cf0599974963' } },
      { erc721: { chain: 'base', contract: '0xd4307e0acd12cf46fd6cf93bc264f5d5d1598792' } },
    ],
  },
}

// 3. An ERC-1155 badge id 7, but NOT a token of the revoked list.
export const badgeNotRevoked: GateExpression = {
  all: [
    {
      erc1155: { chain: 'base', contract: '0x7d1afa7b718fb893db30a3abc0cfc608aacfebb0', id: '7' },
      label: 'Season badge',
    },
    {
      not: { erc721: { chain: 'base', contract: '0x0000000000000000000000000000000000000bad' } },
      label: 'not revoked',
    },
  ],
}

// 4. A DAO member (a contract's own rule), or 1 000 votes of its governance token.
export const daoMember: GateExpression = {
  any: [
    {
      call: {
        chain: 'ethereum',
        contract: '0x323a76393544d5ecca80cd6ef2a560c6a395b7e3',
        function: 'function isMember(address) view returns (bool)',
        args: ['$wallet'],
        compare: { eq: true },
      },
    },
    {
      call: {
        chain: 'ethereum',
        contract: '0xc18360217d8f7ab5e7c516566761ea12ce7f9d72',
        function: 'function getVotes(address) view returns (uint256)',
        args: ['$wallet'],
        compare: { gte: '1000000000000000000000' },
      },
    },
  ],
}

// 5. Solana: a Mad Lads NFT (Metaplex collection) or ≥ 100 USDC (SPL), and some SOL for fees.
export const solanaHolder: GateExpression = {
  all: [
    {
      any: [
        {
          metaplexCollection: { chain: 'solana', collection: 'J1S9H3QjnRtBbbuD4HjPV6RpRhwuk4zKbxsnCHuTgh9w' },
        },
        { splToken: { chain: 'solana', mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', min: '100' } },
      ],
    },
    { native: { chain: 'solana', min: '0.01' } },
  ],
}
