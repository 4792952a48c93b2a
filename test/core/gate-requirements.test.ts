/**
 * Server-side requirements and gates are strict (issue 9): every rule of parseGateRequirements
 * and parseGateConfig, with the message each mistake gets. Request bodies from SDKs are not
 * read with these (see requirements.test.ts for the tolerant normaliser).
 */
import t from 'tap'
import { parseGateConfig, type ResolvedGate } from '../../packages/core/src/core/gate-config.js'
import { parseGateRequirements } from '../../packages/core/src/core/gate-requirements.js'
import type { ChainType } from '../../packages/core/src/core/types.js'

const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'
const SOL_WALLET = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'

class Refused extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`)
  }
}
const fail = (path: string, problem: string) => new Refused(path, problem)
const parse = (value: unknown, chainType?: ChainType) =>
  parseGateRequirements(value, 'requirements', fail, chainType)

function refusal(value: unknown, chainType?: ChainType): string {
  try {
    parse(value, chainType)
  } catch (error) {
    if (error instanceof Refused) return error.message
    throw error
  }
  return 'accepted'
}

t.test('valid requirements come back canonical and frozen', async (t) => {
  const evm = parse({
    contractAddress: PASS,
    minTokenBalance: '2.5',
    tokenIds: ['1', '115792089237316195423570985008687907853269984665640564039457584007913129639935'],
  })
  t.same(evm, {
    contractAddress: PASS,
    minTokenBalance: '2.5',
    tokenIds: ['1', '115792089237316195423570985008687907853269984665640564039457584007913129639935'],
  })
  t.ok(Object.isFrozen(evm))
  t.same(parse({ collection: MINT, creatorAddress: SOL_WALLET }), {
    collection: [MINT],
    creatorAddress: SOL_WALLET,
  })
  t.same(
    parse({ tokenIds: [MINT], minTokenBalance: '10' }),
    { tokenIds: [MINT], minTokenBalance: '10' },
    'Solana mints',
  )
  t.same(
    parse({ allowedWallets: [WALLET, SOL_WALLET] }),
    { allowedWallets: [WALLET, SOL_WALLET] },
    'no chain: either family',
  )
  t.same(
    parse({ contractAddress: PASS.toLowerCase() }),
    { contractAddress: PASS.toLowerCase() },
    'lower case skips the checksum',
  )
  t.same(
    parse({ allowedWallets: ['0xabcdef0123456789'] }, 'flow'),
    { allowedWallets: ['0xabcdef0123456789'] },
    'Flow',
  )
})

t.test('each mistake is refused with its path and the fix', async (t) => {
  const cases: [unknown, string | RegExp, ChainType?][] = [
    ['x', 'requirements: must be an object such as { contractAddress: \'0x…\' }, got "x"'],
    [[PASS], "requirements: must be an object such as { contractAddress: '0x…' }, got an array"],
    [
      {},
      'requirements: is empty: name what a wallet must hold (or list allowedWallets), or gate with `true` for any signed-in wallet',
    ],
    [
      { contractAdress: PASS },
      "requirements: unknown key 'contractAdress' — did you mean 'contractAddress'?",
    ],
    [
      { token_ids: ['1'], contractAddress: PASS },
      "requirements: unknown key 'token_ids' — did you mean 'tokenIds'?",
    ],
    [
      { contractAddress: PASS, optional: true },
      "requirements: unknown key 'optional' — is a gate option: put it beside 'requirements', not inside it",
    ],
    [
      { requirements: { contractAddress: PASS } },
      "requirements: unknown key 'requirements' — requirements are nested twice: write { requirements: { contractAddress: … } }",
    ],
    [
      { contractAddress: null },
      'requirements.contractAddress: is null — an unset environment variable? Give a value or remove the key (an absent requirement would let more wallets in)',
    ],
    [
      { contractAddress: '' },
      'requirements.contractAddress: is "" — an unset environment variable? Give a value or remove the key (an absent requirement would let more wallets in)',
    ],
    [
      { contractAddress: 'PASS' },
      'requirements.contractAddress: must be an EVM address (0x followed by 40 hex digits), got "PASS"',
    ],
    [
      { contractAddress: PASS, minTokenBalance: '1e3' },
      'requirements.minTokenBalance: must be a non-negative decimal such as 1 or \'0.5\', got "1e3"',
    ],
    [
      { contractAddress: PASS, minTokenBalance: '-1' },
      'requirements.minTokenBalance: must be a non-negative decimal such as 1 or \'0.5\', got "-1"',
    ],
    [
      { contractAddress: PASS, minTokenBalance: Number.NaN },
      "requirements.minTokenBalance: must be a non-negative decimal such as 1 or '0.5', got NaN",
    ],
    [
      { allowedWallets: [WALLET], minTokenBalance: '1' },
      'requirements.minTokenBalance: has no token to count: add contractAddress (EVM) or tokenIds, collection or creatorAddress (Solana)',
    ],
    [
      { allowedWallets: [] },
      'requirements.allowedWallets: is empty: no wallet could meet it (remove it, or list at least one)',
    ],
    [{ allowedWallets: WALLET }, `requirements.allowedWallets: must be an array, got "${WALLET}"`],
    [
      { allowedWallets: ['vitalik.eth'] },
      'requirements.allowedWallets[0]: must be a wallet address (EVM 0x + 40 hex, or Solana base58), got "vitalik.eth"',
    ],
    [
      { contractAddress: PASS, allowedWallets: [SOL_WALLET] },
      `requirements.allowedWallets[0]: must be an EVM address (0x followed by 40 hex digits), got "${SOL_WALLET}"`,
    ],
    [
      { contractAddress: PASS, tokenIds: ['-1'] },
      'requirements.tokenIds[0]: must be a token id as a string of digits (a uint256), got "-1"',
    ],
    [
      { contractAddress: PASS, tokenIds: ['0x01'] },
      'requirements.tokenIds[0]: must be a token id as a string of digits (a uint256), got "0x01"',
    ],
    [
      { contractAddress: PASS, tokenIds: [`1${'0'.repeat(78)}`] },
      /requirements.tokenIds\[0\]: must be a token id as a string of digits \(a uint256\)/,
    ],
    [
      { tokenIds: ['7'] },
      'requirements.tokenIds[0]: must be an SPL mint address (base58 of 32 bytes), got "7"',
    ],
    [
      { collection: [MINT, 'nope'] },
      'requirements.collection[1]: must be a collection address (base58 of 32 bytes), got "nope"',
    ],
    [
      { creatorAddress: PASS },
      `requirements.creatorAddress: must be a creator address (base58 of 32 bytes), got "${PASS}"`,
    ],
    [
      { contractAddress: PASS, collection: MINT },
      'requirements: mixes contractAddress (EVM) with collection (Solana): a gate applies to one chain, so write one gate per chain',
    ],
    [
      { contractAddress: PASS },
      'requirements.contractAddress: is an EVM requirement, but this gate is on a Solana chain',
      'solana',
    ],
    [
      { creatorAddress: SOL_WALLET },
      'requirements.creatorAddress: is a Solana requirement, but this gate is on an EVM chain',
      'ethereum',
    ],
    [
      { tokenIds: ['1'] },
      'requirements.tokenIds: are ids of a contract on an EVM chain: add contractAddress',
      'ethereum',
    ],
    [
      { contractAddress: PASS },
      'requirements.contractAddress: cannot be checked on Flow (no token gating there): use allowedWallets',
      'flow',
    ],
    [
      { allowedWallets: [WALLET] },
      `requirements.allowedWallets[0]: must be a Flow address (8 bytes of hex), got "${WALLET}"`,
      'flow',
    ],
  ]
  for (const [value, message, chainType] of cases) {
    if (message instanceof RegExp) t.match(refusal(value, chainType), message)
    else t.equal(refusal(value, chainType), message, JSON.stringify(value))
  }
})

t.test('gate objects', async (t) => {
  const gate = (config: unknown) => parseGateConfig(config, 'config.picket', fail, 'ethereum')
  t.equal(gate(false), false)
  const anyWallet = {
    requirements: {},
    chain: 'ethereum',
    optional: false,
    revalidate: false,
    incremental: undefined,
  }
  t.same(gate(true), anyWallet)
  t.same(gate({}), anyWallet)
  t.same(gate({ requirements: { contractAddress: PASS }, incremental: true, optional: true }), {
    requirements: { contractAddress: PASS },
    chain: 'ethereum',
    optional: true,
    revalidate: false,
    incremental: true,
  })
  t.same((gate({ chain: 'solana', requirements: { collection: MINT } }) as ResolvedGate).requirements, {
    collection: [MINT],
  })
  t.throws(() => gate({ requirements: { collection: MINT } }), {
    message:
      'config.picket.requirements.collection: is a Solana requirement, but this gate is on an EVM chain',
  })
  t.throws(() => gate({ chain: 'Ethereum Mainnet' }), {
    message: /config.picket.chain: must be a chain slug/,
  })
  t.throws(() => gate(new Map([['requirements', { contractAddress: PASS }]])), {
    message: /must be a plain object .*instance of Map/,
  })
  class HolderGate {
    contractAddress = PASS
    get minTokenBalance() {
      return '100'
    }
  }
  t.throws(() => gate({ requirements: new HolderGate() }), { message: /instance of HolderGate/ })
  t.throws(
    () =>
      gate({
        requirements: Object.create(
          { minTokenBalance: '100' },
          { contractAddress: { value: PASS, enumerable: true } },
        ),
      }),
    {
      message: /instance of/,
    },
  )
  const withGetter = { contractAddress: PASS }
  Object.defineProperty(withGetter, 'minTokenBalance', { get: () => '100', enumerable: true })
  t.throws(() => gate({ requirements: withGetter }), {
    message: /minTokenBalance: must be a plain value, not a getter/,
  })
  t.throws(
    () => gate({ requirements: { contractAddress: PASS, minTokenBalance: Number('9007199254740993') } }),
    {
      message: /write it as a decimal string/,
    },
  )
  t.throws(() => gate(null), {
    message:
      'config.picket: must be true, false or { requirements? | gate?, optional?, revalidate?, incremental?, chain? }, got null',
  })
  t.throws(
    () => gate({ requirements: undefined }),
    { message: /^config.picket.requirements: is undefined — an unset environment variable\?/ },
    'requirements: process.env.UNSET',
  )
  t.throws(() => gate({ incremental: true }), {
    message: 'config.picket.incremental: needs requirements or a gate to authorize: add one or remove it',
  })
  t.throws(() => gate({ tokenIds: ['1'] }), {
    message: /unknown key 'tokenIds' — is a requirement field: it goes inside 'requirements'/,
  })
})
