/** A 2xx whose body lacks what the package relies on is a PicketUnexpectedResponseError. */

import { type PicketClient, PicketUnexpectedResponseError } from 'picket-core/client'
import t from 'tap'
import {
  AUTH_BODY,
  CHAINS_BODY,
  CLAIMS_BODY,
  clientFixture,
  ETHEREUM,
  NONCE_BODY,
  OWNERSHIP_BODY,
  WALLET,
} from '../support/picket-client-fixtures.js'
import type { ScriptedReply } from '../support/recording-server.js'

const garbage: ScriptedReply = { headers: { 'content-type': 'application/json' }, text: '{"oops":' }

interface Case {
  name: string
  call: (client: PicketClient) => Promise<unknown>
  method: string
  path: string
  /** Each wrong body with the problem it must report. */
  wrong: Array<[body: ScriptedReply, problem: string]>
}

const cases: Case[] = [
  {
    name: 'nonce',
    call: (client) => client.nonce({ walletAddress: WALLET }),
    method: 'POST',
    path: '/auth/nonce',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ json: [] }, 'body is not a JSON object'],
      [{ json: { ...NONCE_BODY, nonce: 1 } }, 'nonce is not a string'],
      [{ json: { ...NONCE_BODY, statement: null } }, 'statement is not a string'],
      [{ json: { nonce: 'n', statement: 's' } }, 'format is not "simple" or "siwe"'],
      [{ json: { ...NONCE_BODY, format: 'eip712' } }, 'format is not "simple" or "siwe"'],
    ],
  },
  {
    name: 'auth',
    call: (client) => client.auth({ walletAddress: WALLET, signature: '0xsig' }),
    method: 'POST',
    path: '/auth',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ text: '' }, 'body is not a JSON object'],
      [{ json: { ...AUTH_BODY, accessToken: {} } }, 'accessToken is not a string'],
      [{ json: { accessToken: 'x' } }, 'user is not a JSON object'],
      [{ json: { ...AUTH_BODY, user: { ...AUTH_BODY.user, chain: 1 } } }, 'user.chain is not a string'],
      [
        { json: { ...AUTH_BODY, user: { ...AUTH_BODY.user, displayAddress: undefined } } },
        'user.displayAddress is not a string',
      ],
      [
        { json: { ...AUTH_BODY, user: { ...AUTH_BODY.user, tokenBalances: [] } } },
        'user.tokenBalances is not an object',
      ],
    ],
  },
  {
    name: 'authz',
    call: (client) => client.authz({ accessToken: 'a.b.c', requirements: {} }),
    method: 'POST',
    path: '/authz',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [
        { json: { ...AUTH_BODY, user: { ...AUTH_BODY.user, walletAddress: null } } },
        'user.walletAddress is not a string',
      ],
    ],
  },
  {
    name: 'validate',
    call: (client) => client.validate('a.b.c'),
    method: 'POST',
    path: '/auth/validate',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ json: 'a.b.c' }, 'body is not a JSON object'],
      [{ json: { ...CLAIMS_BODY, sub: 1 } }, "token claim 'sub' is missing or not a string"],
      [{ json: { ...CLAIMS_BODY, aud: ['x'] } }, "token claim 'aud' is missing or not a string"],
      [{ json: { ...CLAIMS_BODY, iss: undefined } }, "token claim 'iss' is missing or not a string"],
      [{ json: { ...CLAIMS_BODY, exp: '1700000000' } }, "token claim 'exp' is missing or not a number"],
      [{ json: { ...CLAIMS_BODY, iat: null } }, "token claim 'iat' is missing or not a number"],
      [
        { json: { ...CLAIMS_BODY, tokenBalances: undefined } },
        "token claim 'tokenBalances' is not an object",
      ],
      [
        { json: { ...CLAIMS_BODY, displayAddress: '' } },
        "token claim 'displayAddress' is missing or not a string",
      ],
      [{ json: { ...CLAIMS_BODY, tid: 7 } }, "token claim 'tid' is missing or not a string"],
      [
        { json: { ...CLAIMS_BODY, tokenIdBalances: { '0xabc': { '1': 1 } } } },
        "token claim 'tokenIdBalances' must map contracts to id → balance strings",
      ],
    ],
  },
  {
    name: 'tokenOwnership',
    call: (client) => client.tokenOwnership({ walletAddress: WALLET }),
    method: 'POST',
    path: `/chains/ethereum/wallets/${WALLET}/tokenOwnership`,
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ json: { allowed: 'true' } }, 'allowed is not a boolean'],
      [{ json: { ...OWNERSHIP_BODY, tokenBalance: 3 } }, 'tokenBalance is not a string'],
      [{ json: { ...OWNERSHIP_BODY, tokenBalances: 'none' } }, 'tokenBalances is not an object'],
    ],
  },
  {
    name: 'chains',
    call: (client) => client.chains(),
    method: 'GET',
    path: '/chains',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ json: [ETHEREUM] }, 'body is not a JSON object'],
      [{ json: { data: ETHEREUM } }, 'data is not an array'],
      [{ json: { data: [ETHEREUM, null] } }, 'data[1] is not a JSON object'],
      [{ json: { data: [{ ...ETHEREUM, chainId: '1' }] } }, 'data[0].chainId is not a number'],
    ],
  },
  {
    name: 'chainInfo',
    call: (client) => client.chainInfo('ethereum'),
    method: 'GET',
    path: '/chains/ethereum',
    wrong: [
      [garbage, 'body is not a JSON object'],
      [{ json: CHAINS_BODY.data }, 'body is not a JSON object'],
      [{ json: { ...ETHEREUM, chainSlug: undefined } }, 'chainSlug is not a string'],
      [{ json: { ...ETHEREUM, chainType: 1 } }, 'chainType is not a string'],
      [{ json: { ...ETHEREUM, chainId: Number.NaN } }, 'chainId is not a number'],
      [{ json: { ...ETHEREUM, authorizationSupported: 'yes' } }, 'authorizationSupported is not a boolean'],
    ],
  },
]

for (const { name, call, method, path, wrong } of cases) {
  t.test(`${name}: wrong 2xx bodies`, async (t) => {
    const { server, clientWith } = await clientFixture(t)
    const client = clientWith({ retry: false })
    for (const [reply, problem] of wrong) {
      server.script(reply)
      const error = await call(client).catch((e: unknown) => e)
      t.ok(error instanceof PicketUnexpectedResponseError, problem)
      t.match(error, {
        name: 'PicketUnexpectedResponseError',
        code: 'PICKET_UNEXPECTED_RESPONSE_ERROR',
        status: 200,
        problem,
        method,
        path,
        message: `Picket API answered 200 to ${method} ${path} with an unexpected body: ${problem}`,
      })
    }
    t.equal(server.requests.length, wrong.length, 'never retried')
  })
}

t.test('the snippet keeps the start of the body', async (t) => {
  const { client } = await clientFixture(t, garbage)
  const error = await client.chains().catch((e: unknown) => e)
  t.match(error, { constructor: PicketUnexpectedResponseError, bodySnippet: '{"oops":' })
})

t.test(
  'validate: tid and ver may be absent (older Picket versions), as the one claims rule allows',
  async (t) => {
    const { tid: _tid, ver: _ver, ...legacy } = CLAIMS_BODY
    const { client } = await clientFixture(t, { json: legacy })
    t.same(await client.validate('a.b.c'), legacy)
  },
)

t.test('optional fields may be absent; extra fields pass through', async (t) => {
  const chain = { chainSlug: 'solana', chainId: 101, chainType: 'solana', extra: true }
  const { client } = await clientFixture(t, { json: chain })
  t.same(await client.chainInfo('solana'), chain)
})
