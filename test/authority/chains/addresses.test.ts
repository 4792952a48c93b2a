import t from 'tap'
import { badChecksumProblem } from '../../../packages/authority/src/chains/addresses.js'
import {
  isEvmAddress,
  isSolanaAddress,
  isValidAddress,
} from '../../../packages/authority/src/chains/index.js'

t.test('EVM: lower, upper or checksummed; a wrong checksum in mixed case is refused', async (t) => {
  t.ok(isEvmAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'))
  t.ok(isEvmAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8'))
  t.ok(isEvmAddress('0x70997970C51812DC3A010C7D01B50E0D17DC79C8'))
  const typo = '0x70997970c51812DC3a010C7d01b50e0d17dc79C8'
  t.notOk(isEvmAddress(typo), 'mixed case that is not the checksum: a typo')
  t.match(badChecksumProblem(typo), /"0x70997970c51812DC3a010C7d01b50e0d17dc79C8" fails its EIP-55 checksum/)
  t.equal(badChecksumProblem('0x70997970c51812dc3a010c7d01b50e0d17dc79c8'), undefined)
  t.equal(badChecksumProblem('0x123'), undefined, 'malformed is another problem')
  for (const bad of [
    '',
    '0x',
    '0x123',
    '70997970c51812dc3a010c7d01b50e0d17dc79c8',
    '0xzz997970c51812dc3a010c7d01b50e0d17dc79c8',
    42,
    null,
  ]) {
    t.notOk(isEvmAddress(bad), JSON.stringify(bad))
  }
})

t.test('Solana: base58 of exactly 32 bytes', async (t) => {
  t.ok(isSolanaAddress('So11111111111111111111111111111111111111112'))
  t.ok(isSolanaAddress('11111111111111111111111111111111'), 'the system program (all zero bytes)')
  for (const bad of [
    '',
    'So1111111111111111111111111111111111111111O',
    '1111111111111111111111111111111',
    'x'.repeat(200),
    {},
  ]) {
    t.notOk(isSolanaAddress(bad), JSON.stringify(bad))
  }
})

t.test('per chain type', async (t) => {
  t.ok(isValidAddress('flow', '0x1d007d755706c469'))
  t.ok(isValidAddress('flow', '1d007d755706c469'))
  t.notOk(isValidAddress('flow', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'))
  t.notOk(isValidAddress('ethereum', 'So11111111111111111111111111111111111111112'))
  t.notOk(isValidAddress('solana', '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'))
})
