import type { AccessTokenPayload, GateEvaluation } from 'picket-core'
import type { PicketClient } from 'picket-core/client'

declare global {
  namespace Express {
    interface Request {
      /** The Picket client of the `picket()` middleware that saw this request. */
      picket?: PicketClient
      /** Verified access-token claims, or `null` when the request carries no valid token. */
      picketUser?: AccessTokenPayload | null
      /** The raw access token (the new one after incremental authorization), or `null`. */
      picketToken?: string | null
      /** How the route's `gate` was met (the evaluation tree), or `null` on routes without one. */
      picketGate?: GateEvaluation | null
    }
  }
}
