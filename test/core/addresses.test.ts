/**
 * Core's address checks. EIP-55 is computed in core over @noble/hashes (core cannot load viem),
 * so it is compared here with viem's implementation on many random addresses.
 */
import { base58 } from '@scure/base'
import fc from 'fast-check'
import t from 'tap'
import { getAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  checkEvmAddress,
  isSolanaAddress,
  toChecksumAddress,
} from '../../packages/core/src/core/addresses.js'

t.test('EIP-55 checksum matches viem on random addresses', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
      const lower = `0x${Buffer.from(bytes).toString('hex')}`
      return (
        toChecksumAddress(lower) === getAddress(lower) &&
        toChecksumAddress(lower.toUpperCase().replace('0X', '0x')) === getAddress(lower)
      )
    }),
    { seed: 20261202, numRuns: 2000 },
  )
  const account = privateKeyToAccount(generatePrivateKey())
  t.equal(toChecksumAddress(account.address.toLowerCase()), account.address)
})

t.test('EIP-55 test vectors from the EIP', async (t) => {
  for (const address of [
    '0x52908400098527886E0F7030069857D2E4169EE7',
    '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
    '0xde709f2102306220921060314715629080e2fb77',
    '0x27b1fdb04752bbc536007a920d24acb045561c26',
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ]) {
    t.equal(checkEvmAddress(address), 'valid', address)
  }
})

t.test('what checkEvmAddress accepts and refuses', async (t) => {
  const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
  t.equal(checkEvmAddress(good.toLowerCase()), 'valid', 'all lower case: no checksum to check')
  t.equal(
    checkEvmAddress(`0x${good.slice(2).toUpperCase()}`),
    'valid',
    'all upper case: no checksum to check',
  )
  t.equal(checkEvmAddress(good.replace('aA', 'AA')), 'bad-checksum', 'one flipped case')
  for (const bad of [
    '0x123',
    good.slice(2),
    `0X${good.slice(2)}`,
    `${good}00`,
    `0x${'g'.repeat(40)}`,
    1,
    null,
    undefined,
  ]) {
    t.equal(checkEvmAddress(bad), 'malformed', String(bad))
  }
})

t.test('Solana addresses are base58 of 32 bytes', async (t) => {
  t.ok(isSolanaAddress('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'))
  t.ok(isSolanaAddress('11111111111111111111111111111111'))
  t.notOk(isSolanaAddress(base58.encode(new Uint8Array(31).fill(7))), '31 bytes')
  t.notOk(isSolanaAddress(base58.encode(new Uint8Array(33).fill(7))), '33 bytes')
  t.notOk(isSolanaAddress('0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl'), 'not base58')
  t.notOk(isSolanaAddress('x'.repeat(5000)), 'hostile length refused cheaply')
})
