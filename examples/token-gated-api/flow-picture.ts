/**
 * The text picture `npm run demo` opens with: the flow of a sign-in and of a gated request, each
 * step tagged with what decides it. The demo prints the same tags in front of its story steps
 * (`StoryStep.decidedBy`), so a reader can match each step to a row of the picture.
 * Plain ASCII, at most 80 columns and 20 lines (test/examples/demo.test.ts checks both, and that
 * the lifelines line up).
 */
import type { Decision } from './story.js'

export const FLOW_PICTURE = `The flow, and what decides each step of the story below:

        Browser                   Your app                 Picket API      Chain
        + wallet                  + fastify-picket         (authority)     RPC
        |                         |                        |               |
[login] |-- POST /auth/nonce ---->|-- /api/v1/auth/nonce ->|               |
        |<-- nonce ---------------|<-- nonce, format ------|               |
[login] | the wallet signs SIWE   |                        |               |
[login] |-- POST /auth/login ---->|-- /api/v1/auth ------->|               |
        |<-- access token --------|<-- ES256 JWT ----------|               |
[token] |-- GET, Bearer token --->| verifies the token,    |               |
        |<-- 200 / 401 / 403 -----| compares its claims    |               |
[chain] |-- GET incremental or -->|-- /api/v1/authz ------>|-- balanceOf ->|
        |   revalidate route      |                        |<--------------|
        |<-- 200 or 403 ----------|<-- new token or 403 ---|               |

[login] sign in once: a nonce, a wallet signature, an access token
[token] decided from the token alone: no /authz, no chain read (JWKS cached)
[chain] read from the chain (RPC) through /authz: incremental or revalidate`

/** The tag printed in front of a story step: `[login]`, `[token]`, `[chain]`, or blanks of the same width. */
export function stepTag(decidedBy: Decision): string {
  return decidedBy === 'none' ? ' '.repeat('[token]'.length) : `[${decidedBy}]`
}
