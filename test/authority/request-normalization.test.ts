/**
 * The tolerance of request bodies (reference §9) after they moved onto core's strict-input type
 * checks: every alias and "absent" spelling an SDK sends is still read, and what no SDK sends is
 * a 400 naming the field (never a 500, never silently ignored).
 */
import t from 'tap'
import { AuthorityError } from '../../packages/authority/src/errors.js'
import {
  normalizeAuthRequest,
  normalizeAuthzRequest,
  normalizeNonceRequest,
  normalizeValidateRequest,
} from '../../packages/authority/src/request-normalization.js'

const WALLET = '0xA548ac9c6f41B19175023B5f09c6E70f99cFeec8'

t.test('snake_case aliases (§9 #31) and picket-go spellings are read', async (t) => {
  t.same(normalizeNonceRequest({ chain: '', wallet_address: WALLET, locale: '' }), {
    chain: 'ethereum',
    walletAddress: WALLET,
  })
  t.same(normalizeAuthzRequest({ access_token: 'a.b.c', requirements: {} }), {
    accessToken: 'a.b.c',
    requirements: {},
    revalidate: false,
  })
  t.same(normalizeValidateRequest({ access_token: 'a.b.c', requirements: null }), {
    accessToken: 'a.b.c',
    requirements: {},
  })
  const auth = normalizeAuthRequest({
    wallet_address: WALLET,
    signature: '0x00',
    context: {
      domain: 'example.com',
      issued_at: '2023-03-18T23:26:51.123Z',
      chain_type: 'ethereum',
      chain_id: '1',
    },
  })
  t.same(auth.context, {
    domain: 'example.com',
    issuedAt: '2023-03-18T23:26:51.123Z',
    chainType: 'ethereum',
    chainId: 1,
  })
})

t.test('chainId: numbers, decimal and hex strings (picket-go), chainID; empty means absent', async (t) => {
  const chainIdOf = (context: Record<string, unknown>) =>
    normalizeAuthRequest({ walletAddress: WALLET, signature: '0x00', context }).context?.chainId
  t.equal(chainIdOf({ chainId: 137 }), 137)
  t.equal(chainIdOf({ chainId: ' 10 ' }), 10)
  t.equal(chainIdOf({ chainId: '0x1' }), 1)
  t.equal(chainIdOf({ chainID: 56 }), 56)
  t.equal(chainIdOf({ chainId: '' }), undefined)
  t.equal(
    normalizeAuthRequest({ walletAddress: WALLET, signature: '0x00', context: { chainId: null, domain: '' } })
      .context,
    undefined,
    'an all-empty context is no context (§9 #5)',
  )
})

t.test('revalidate: booleans and their string forms', async (t) => {
  const revalidate = (value: unknown) =>
    normalizeAuthzRequest({ accessToken: 'a.b.c', ...(value === undefined ? {} : { revalidate: value }) })
      .revalidate
  t.same([true, 'true', false, 'false', undefined, null, ''].map(revalidate), [
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ])
})

t.test('what no SDK sends is a 400 parameter_invalid naming the field', async (t) => {
  const cases: [() => unknown, RegExp][] = [
    [() => normalizeNonceRequest(null), /Request body/],
    [() => normalizeNonceRequest([]), /Request body/],
    [() => normalizeNonceRequest({}), /walletAddress is required/],
    [() => normalizeNonceRequest({ walletAddress: 42 }), /walletAddress must be a non-empty string, got 42/],
    [
      () => normalizeAuthzRequest({ accessToken: 'a.b.c', revalidate: 'yes' }),
      /revalidate must be true or false/,
    ],
    [
      () => normalizeAuthRequest({ walletAddress: WALLET, signature: '0x00', context: 'x' }),
      /context must be an object/,
    ],
    [
      () => normalizeAuthRequest({ walletAddress: WALLET, signature: '0x00', context: { chainId: 'one' } }),
      /context\.chainId must be an integer/,
    ],
    [
      () => normalizeAuthRequest({ walletAddress: WALLET, signature: '0x00', context: { chainId: 0 } }),
      /context\.chainId/,
    ],
    [
      () => normalizeAuthRequest({ walletAddress: WALLET, signature: 7 }),
      /signature must be a non-empty string/,
    ],
  ]
  for (const [call, message] of cases) {
    t.throws(call, { constructor: AuthorityError, statusCode: 400, code: 'parameter_invalid', message })
  }
})
