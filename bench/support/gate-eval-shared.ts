/**
 * What bench/gate-evaluation.ts and its child processes share: the chains, the messages, and
 * the two gates it measures (as a route or `/authz` writes them, chains by CAIP-2 id).
 */
import type { GateExpression } from 'picket-core'

export const CHAIN_A_ID = 1337
export const CHAIN_B_ID = 31338
export const CHAIN_A = `eip155:${CHAIN_A_ID}`
export const CHAIN_B = `eip155:${CHAIN_B_ID}`

export interface Contracts {
  passA: string
  coinA: string
  multiA: string
  coinB: string
  badgeB: string
  passB: string
}

export interface ChainsReady {
  type: 'ready'
  rpc: { A: string; B: string }
  contracts: Contracts
}

export interface ChainCounts {
  type: 'counts'
  id: number
  posts: { A: number; B: number }
  methods: Record<string, number>
}

/** 50 made-up wallets: an allowlist none of the bench's wallets is on. */
export const ALLOWLIST = Array.from(
  { length: 50 },
  (_, i) => `0x${(i + 1).toString(16).padStart(4, '0')}${'ab'.repeat(18)}`,
)

/**
 * The realistic gate: pass #1–#100 on chain A AND (≥ 500 COIN on chain B OR the allowlist) AND
 * NOT the revoked badge (ERC-1155 #1 on B). 4 conditions, 2 chains.
 */
export function gate4(c: Contracts): GateExpression {
  return {
    all: [
      { erc721: { chain: CHAIN_A, contract: c.passA, ids: ['1-100'] } },
      {
        any: [{ erc20: { chain: CHAIN_B, contract: c.coinB, min: '500' } }, { allowlist: ALLOWLIST }],
      },
      { not: { erc1155: { chain: CHAIN_B, contract: c.badgeB, id: '1' } } },
    ],
  }
}

/**
 * The 10-condition variant over the same 2 chains: gate4's four, plus on A ≥ 1 COIN-A, ERC-1155
 * #7, ≥ 1 ETH; on B any pass-B; and at least one of (a contract call on A: COIN-A balanceOf
 * $wallet > 0, ≥ 1 ETH on B).
 */
export function gate10(c: Contracts): GateExpression {
  return {
    all: [
      { erc721: { chain: CHAIN_A, contract: c.passA, ids: ['1-100'] } },
      {
        any: [{ erc20: { chain: CHAIN_B, contract: c.coinB, min: '500' } }, { allowlist: ALLOWLIST }],
      },
      { not: { erc1155: { chain: CHAIN_B, contract: c.badgeB, id: '1' } } },
      { erc20: { chain: CHAIN_A, contract: c.coinA, min: '1' } },
      { erc1155: { chain: CHAIN_A, contract: c.multiA, id: '7', min: '1' } },
      { native: { chain: CHAIN_A, min: '1' } },
      { erc721: { chain: CHAIN_B, contract: c.passB } },
      {
        atLeast: {
          n: 1,
          of: [
            {
              call: {
                chain: CHAIN_A,
                contract: c.coinA,
                function: 'function balanceOf(address) view returns (uint256)',
                args: ['$wallet'],
                compare: { gt: '0' },
              },
            },
            { native: { chain: CHAIN_B, min: '1' } },
          ],
        },
      },
    ],
  }
}

/** The `requirements` route's requirements (Picket v1): pass holders on the token's chain. */
export function passRequirements(c: Contracts) {
  return { contractAddress: c.passA, minTokenBalance: 1 }
}

/** What the plugin server child needs (BENCH env JSON). */
export interface EvalServerConfig {
  baseURL: string
  secretKey: string
  jwksUrl: string
  audience: string
  issuer: string
  requirements: Record<string, unknown>
  gate4: GateExpression
  gate10: GateExpression
}

export const EVAL_ROUTES = ['true', 'requirements', 'gate4', 'gate10'] as const
export type EvalRoute = (typeof EVAL_ROUTES)[number]
