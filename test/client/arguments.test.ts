/** Bad arguments reject with PicketArgumentError before anything is sent. */

import { PicketArgumentError, type PicketClient, PicketError } from 'picket-core/client'
import t from 'tap'
import { clientFixture, NONCE_BODY, WALLET } from '../support/picket-client-fixtures.js'

// Calls as plain JavaScript callers could make them, bypassing the TypeScript signatures.
type Loose = Record<string, (...args: unknown[]) => Promise<unknown>>

interface Case {
  call: (client: Loose) => Promise<unknown>
  argument: string
  method: string
  path: string
}

const NONCE = { method: 'POST', path: '/auth/nonce' }
const AUTH = { method: 'POST', path: '/auth' }
const AUTHZ = { method: 'POST', path: '/authz' }
const VALIDATE = { method: 'POST', path: '/auth/validate' }
const OWNERSHIP = { method: 'POST', path: '/chains/{chain}/wallets/{walletAddress}/tokenOwnership' }
const CHAIN_INFO = { method: 'GET', path: '/chains/{chain}' }
const CHAINS = { method: 'GET', path: '/chains' }
const circular: Record<string, unknown> = {}
circular.self = circular

const cases: Case[] = [
  { ...NONCE, argument: 'arguments', call: (c) => c.nonce!() },
  { ...NONCE, argument: 'arguments', call: (c) => c.nonce!(null) },
  { ...NONCE, argument: 'walletAddress', call: (c) => c.nonce!({}) },
  { ...NONCE, argument: 'walletAddress', call: (c) => c.nonce!({ walletAddress: '' }) },
  { ...NONCE, argument: 'chain', call: (c) => c.nonce!({ walletAddress: WALLET, chain: 1 }) },
  { ...NONCE, argument: 'chain', call: (c) => c.nonce!({ walletAddress: WALLET, chain: '' }) },
  { ...NONCE, argument: 'chain', call: (c) => c.nonce!({ walletAddress: WALLET, chain: null }) },
  { ...NONCE, argument: 'locale', call: (c) => c.nonce!({ walletAddress: WALLET, locale: 1 }) },
  { ...NONCE, argument: 'locale', call: (c) => c.nonce!({ walletAddress: WALLET, locale: '' }) },
  { ...AUTH, argument: 'arguments', call: (c) => c.auth!('0x') },
  { ...AUTH, argument: 'walletAddress', call: (c) => c.auth!({ signature: '0xsig' }) },
  { ...AUTH, argument: 'signature', call: (c) => c.auth!({ walletAddress: WALLET }) },
  { ...AUTH, argument: 'chain', call: (c) => c.auth!({ walletAddress: WALLET, signature: 's', chain: {} }) },
  {
    ...AUTH,
    argument: 'requirements',
    call: (c) => c.auth!({ walletAddress: WALLET, signature: 's', requirements: 'x' }),
  },
  {
    ...AUTH,
    argument: 'context',
    call: (c) => c.auth!({ walletAddress: WALLET, signature: 's', context: [] }),
  },
  {
    ...AUTH,
    argument: 'arguments',
    call: (c) => c.auth!({ walletAddress: WALLET, signature: 's', context: circular }),
  },
  { ...AUTHZ, argument: 'accessToken', call: (c) => c.authz!({ requirements: {} }) },
  { ...AUTHZ, argument: 'requirements', call: (c) => c.authz!({ accessToken: 'a.b.c' }) },
  { ...AUTHZ, argument: 'requirements', call: (c) => c.authz!({ accessToken: 'a.b.c', requirements: null }) },
  {
    ...AUTHZ,
    argument: 'revalidate',
    call: (c) => c.authz!({ accessToken: 'a.b.c', requirements: {}, revalidate: 'yes' }),
  },
  { ...VALIDATE, argument: 'accessToken', call: (c) => c.validate!() },
  { ...VALIDATE, argument: 'accessToken', call: (c) => c.validate!(42) },
  { ...VALIDATE, argument: 'requirements', call: (c) => c.validate!('a.b.c', 'x') },
  {
    ...VALIDATE,
    argument: 'arguments',
    call: (c) => c.validate!('a.b.c', { minTokenBalance: 10n }),
  },
  { ...OWNERSHIP, argument: 'arguments', call: (c) => c.tokenOwnership!() },
  { ...OWNERSHIP, argument: 'walletAddress', call: (c) => c.tokenOwnership!({ contractAddress: '0x' }) },
  { ...OWNERSHIP, argument: 'chain', call: (c) => c.tokenOwnership!({ walletAddress: WALLET, chain: 5 }) },
  { ...CHAIN_INFO, argument: 'chain', call: (c) => c.chainInfo!() },
  { ...CHAIN_INFO, argument: 'chain', call: (c) => c.chainInfo!('') },
  { ...CHAINS, argument: 'options', call: (c) => c.chains!('ethereum') },
  { ...CHAINS, argument: 'options.signal', call: (c) => c.chains!({ signal: {} }) },
  { ...CHAINS, argument: 'options.timeout', call: (c) => c.chains!({ timeout: 0 }) },
  { ...CHAINS, argument: 'options.timeout', call: (c) => c.chains!({ timeout: 1.5 }) },
  { ...CHAIN_INFO, argument: 'options.timeout', call: (c) => c.chainInfo!('ethereum', { timeout: '100' }) },
  { ...VALIDATE, argument: 'options', call: (c) => c.validate!('a.b.c', undefined, null) },
]

t.test('missing or wrong arguments are rejected with zero requests sent', async (t) => {
  const { server, client } = await clientFixture(t)
  for (const { call, argument, method, path } of cases) {
    const pending = call(client as unknown as Loose)
    t.type(pending, Promise, 'rejects rather than throwing synchronously')
    const error = await pending.catch((e: unknown) => e)
    t.ok(
      error instanceof PicketArgumentError && error instanceof PicketError,
      `${method} ${path} ${argument}`,
    )
    t.match(error, { name: 'PicketArgumentError', code: 'PICKET_ARGUMENT_ERROR', argument, method, path })
  }
  t.equal(server.requests.length, 0)
})

t.test('the message names the argument and the call', async (t) => {
  const { client } = await clientFixture(t)
  const error = await (client as PicketClient).nonce({ walletAddress: '' }).catch((e: unknown) => e)
  t.equal((error as Error).message, 'walletAddress must be a non-empty string, got "" (POST /auth/nonce)')
})

t.test("messages are core's strict-input wording, with the value given and the call", async (t) => {
  const { client } = await clientFixture(t)
  const loose = client as unknown as Loose
  const messages: Array<[Promise<unknown>, string]> = [
    [loose.nonce!({}), 'walletAddress is required: a non-empty string (POST /auth/nonce)'],
    [loose.nonce!(null), 'arguments must be an object, got null (POST /auth/nonce)'],
    [
      loose.nonce!({ walletAddress: WALLET, chain: 1 }),
      'chain must be a non-empty string, got 1 (POST /auth/nonce)',
    ],
    [
      loose.auth!({ walletAddress: WALLET, signature: 's', context: [] }),
      'context must be an object, got an array (POST /auth)',
    ],
    [
      loose.authz!({ accessToken: 'a.b.c', requirements: {}, revalidate: 'yes' }),
      'revalidate must be true or false, got "yes" (POST /authz)',
    ],
    [
      loose.chains!({ timeout: 0 }),
      'options.timeout must be an integer between 1 and 2147483647, got 0 (GET /chains)',
    ],
  ]
  for (const [pending, message] of messages) {
    const error = await pending.catch((e: unknown) => e)
    t.equal((error as Error).message, message)
  }
})

t.test('objects that are not plain (class instances) are still accepted as arguments', async (t) => {
  const { server, client } = await clientFixture(t, { json: NONCE_BODY })
  class NonceArguments {
    walletAddress = WALLET
  }
  t.same(await (client as PicketClient).nonce(new NonceArguments()), NONCE_BODY)
  t.equal(server.requests[0]?.body, `{"chain":"ethereum","walletAddress":"${WALLET}"}`)
})
