import { hasTokenRequirements } from './requirements.js'
import type { Requirements } from './types.js'

/**
 * The one wording of a 403 for unmet requirements, whatever decided it (the token's own
 * balances, incremental authorization or a fresh chain read), so clients and logs see one
 * message per cause. It names the cause without echoing the gate's addresses or lists.
 */
export function requirementsRefusal(requirements: Requirements): string {
  const allowlist = requirements.allowedWallets !== undefined
  const tokens = hasTokenRequirements(requirements)
  if (allowlist && tokens)
    return "the wallet is not on this route's allowlist and does not hold the tokens it requires"
  if (allowlist) return "the wallet is not on this route's allowlist"
  return 'the wallet does not hold the tokens this route requires'
}
