/**
 * The example's API: one route per kind of gate. The gate is declared on the route itself, in
 * `config.picket`; the plugin reads it when the route is added (so the plugin is registered,
 * awaited, before these routes).
 */
import type { FastifyInstance } from 'fastify'
import type { PicketRouteConfig } from 'fastify-picket'

export interface GatedRoute {
  path: string
  /** Who may call it, in words (shown by the page and the CLI). */
  who: string
  /** How the plugin decides, in words. */
  how: string
  picket: PicketRouteConfig | undefined
}

export interface GateTokens {
  pass: string
  coin: string
  /** Wallets on the allowlist. */
  allowlist: readonly string[]
}

/** The routes, in the order the page and the walkthrough show them. */
export function gatedRoutes({ pass, coin, allowlist }: GateTokens): GatedRoute[] {
  return [
    { path: '/api/public', who: 'everyone', how: 'no gate', picket: undefined },
    {
      path: '/api/members',
      who: 'any signed-in wallet',
      how: 'config.picket: true — a valid access token',
      picket: true,
    },
    {
      path: '/api/pass-holders',
      who: 'holders of the PASS NFT (ERC-721)',
      how: 'requirements.contractAddress, incremental: a token without the balance is upgraded once through /authz',
      picket: { requirements: { contractAddress: pass }, incremental: true },
    },
    {
      path: '/api/coin-holders',
      who: 'wallets with at least 50 COIN (ERC-20)',
      how: 'requirements.minTokenBalance, incremental',
      picket: { requirements: { contractAddress: coin, minTokenBalance: '50' }, incremental: true },
    },
    {
      path: '/api/allowlist',
      who: 'listed wallets only',
      how: 'requirements.allowedWallets — decided from the token, no chain read',
      picket: { requirements: { allowedWallets: [...allowlist] } },
    },
    {
      path: '/api/pass-holders/live',
      who: 'holders of the PASS right now',
      how: 'revalidate: a fresh chain read through /authz (answers reused for 1 s per token)',
      picket: { requirements: { contractAddress: pass }, revalidate: true },
    },
  ]
}

export function registerExampleRoutes(app: FastifyInstance, routes: readonly GatedRoute[]): void {
  for (const route of routes) {
    app.get(route.path, { config: { picket: route.picket } }, async (request) => ({
      route: route.path,
      message: `Welcome, ${route.who === 'everyone' ? 'anyone' : route.who}`,
      // null on the public route: no gate ran.
      wallet: request.picketUser?.walletAddress ?? null,
      tokenBalances: request.picketUser?.tokenBalances ?? null,
    }))
  }
}
