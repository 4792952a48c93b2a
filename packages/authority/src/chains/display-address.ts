import { getAddress, type PublicClient } from 'viem'
import { isEvmAddress } from './addresses.js'
import type { ChainDefinition } from './registry.js'

/** ENS is a nicety on the login path; it must not hold a login up for long. */
export const DEFAULT_ENS_TIMEOUT_MS = 2000

/**
 * `displayAddress` (§2.2): the wallet's primary ENS name when the chain has ENS (viem knows the
 * universal resolver, i.e. Ethereum mainnet) and the name resolves back to the wallet; the
 * address as given otherwise. Never throws and never waits longer than `timeout`: any failure
 * (no ENS, RPC down, slow resolver, bad address) just means "show the address".
 */
export async function resolveDisplayAddress(
  client: PublicClient | undefined,
  chain: ChainDefinition,
  walletAddress: string,
  timeout = DEFAULT_ENS_TIMEOUT_MS,
): Promise<string> {
  if (chain.chainType !== 'ethereum' || !client || !isEvmAddress(walletAddress)) return walletAddress
  if (!client.chain?.contracts?.ensUniversalResolver) return walletAddress
  let timer: NodeJS.Timeout | undefined
  try {
    const lookup = client.getEnsName({ address: getAddress(walletAddress.toLowerCase()) })
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, timeout, null)
      timer.unref?.()
    })
    // If the deadline wins, the lookup still settles later; observe it so it is not unhandled.
    lookup.catch(() => {})
    const name = await Promise.race([lookup, deadline])
    return name ?? walletAddress
  } catch {
    return walletAddress
  } finally {
    clearTimeout(timer)
  }
}
