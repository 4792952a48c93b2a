import { createSigningMessage, SigningMessageError } from 'picket-core'
import t from 'tap'

const address = '0xA548ac9c6f41B19175023B5f09c6E70f99cFeec8'
const siwe = {
  format: 'siwe' as const,
  statement: 'Sign in to My App',
  walletAddress: address,
  nonce: 'abcdefghijklmnop',
  domain: 'localhost:3000',
  uri: 'http://localhost:3000',
  chainId: 1,
  issuedAt: '2023-03-18T23:26:51.123Z',
}

t.test('SIWE: the reference §4.2 example byte for byte', async (t) => {
  t.equal(
    createSigningMessage(siwe),
    'localhost:3000 wants you to sign in with your Ethereum account:\n0xA548ac9c6f41B19175023B5f09c6E70f99cFeec8\n\nSign in to My App\n\nURI: http://localhost:3000\nVersion: 1\nChain ID: 1\nNonce: abcdefghijklmnop\nIssued At: 2023-03-18T23:26:51.123Z',
  )
})

t.test('SIWE: address and issuedAt verbatim, string chainId parsed like siwe 1.1.6', async (t) => {
  const lower = createSigningMessage({ ...siwe, walletAddress: address.toLowerCase(), chainId: '137' })
  t.match(lower, `\n${address.toLowerCase()}\n`)
  t.match(lower, '\nChain ID: 137\n')
  t.match(createSigningMessage({ ...siwe, chainId: '0x89' }), '\nChain ID: 137\n', 'parseInt reads hex')
  t.match(createSigningMessage({ ...siwe, issuedAt: 'whatever' }), /Issued At: whatever$/)
})

t.test('SIWE: EVM chains keep the word Ethereum, Solana and Flow substitute it everywhere', async (t) => {
  t.match(createSigningMessage({ ...siwe, chainType: 'ethereum' }), 'your Ethereum account')
  const solana = createSigningMessage({ ...siwe, chainType: 'solana', statement: 'Ethereum fans welcome' })
  t.match(solana, 'localhost:3000 wants you to sign in with your Solana account:')
  t.match(solana, '\nSolana fans welcome\n', 'the statement is rewritten too, as picket-js does')
  t.notMatch(solana, 'Ethereum')
  t.match(createSigningMessage({ ...siwe, chainType: 'flow' }), 'with your Flow account:')
  t.match(createSigningMessage({ ...siwe, chainType: 'constructor' }), 'Ethereum', 'no prototype lookups')
})

t.test('simple format, and simple is the default', async (t) => {
  const expected =
    'Sign in to My App\n\nAddress: 0xA548ac9c6f41B19175023B5f09c6E70f99cFeec8\nNonce: abcdefghijklmnop'
  t.equal(createSigningMessage({ ...siwe, format: 'simple' }), expected)
  const { format: _ignored, ...withoutFormat } = siwe
  t.equal(createSigningMessage(withoutFormat), expected)
})

t.test('validation errors are the ones picket-js throws', async (t) => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ nonce: '' }, 'nonce', "'nonce' is required to create a signing message"],
    [{ walletAddress: '' }, 'walletAddress', "'walletAddress' is required to create a signing message"],
    [{ statement: '' }, 'statement', "'statement' is required to create a SIWE signing message"],
    [{ domain: undefined }, 'domain', "'domain' is required to create a SIWE signing message"],
    [{ uri: '' }, 'uri', "'uri' is required to create a SIWE signing message"],
    [{ issuedAt: '' }, 'issuedAt', "'issuedAt' is required to create a SIWE signing message"],
    [{ chainId: 0 }, 'chainId', "'chainId' is required to create a SIWE signing message"],
    [{ chainId: 'abc' }, 'chainId', "'chainId' must be a number to create a SIWE signing message"],
    [{ format: 'html' }, 'format', "unknown signing message format 'html'"],
  ]
  for (const [patch, field, message] of cases) {
    t.throws(
      () => createSigningMessage({ ...siwe, ...patch } as never),
      new SigningMessageError(field, message),
    )
    try {
      createSigningMessage({ ...siwe, ...patch } as never)
    } catch (error) {
      t.equal((error as SigningMessageError).field, field)
      t.equal((error as SigningMessageError).code, 'PICKET_INVALID_SIGNING_MESSAGE')
    }
  }
  t.doesNotThrow(
    () => createSigningMessage({ ...siwe, format: 'simple', domain: undefined }),
    'simple needs no domain',
  )
})
