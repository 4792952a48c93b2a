import type { Test } from 'tap'
import t from 'tap'
import { bytesToHex, hashMessage, hexToBytes, recoverAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { parseAuthorityConfig } from '../../../packages/authority/src/config.js'
import { verifyEvmSignature } from '../../../packages/authority/src/signatures/evm.js'
import {
  BACKEND_ORDER,
  loadBackend,
  recoverEvmAddress,
  type Secp256k1Backend,
  type Secp256k1BackendName,
  selectSecp256k1Backend,
} from '../../../packages/authority/src/signatures/secp256k1-backends.js'

/**
 * Issue 14: every secp256k1 backend recovers exactly what viem's `recoverAddress` (the path before
 * them) recovers, on real signatures and on their high-s, v = 0/1/27/28 and malformed variants.
 */

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/**
 * The backends that must load here. `secp256k1` ships prebuilt addons for these platforms (it is
 * an optional dependency, installed without scripts); WASM runs wherever Node does. A silent fall
 * back to noble on such a machine fails this test.
 */
const NATIVE_PREBUILT = ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(
  `${process.platform}-${process.arch}`,
)
const EXPECTED: Secp256k1BackendName[] = NATIVE_PREBUILT ? ['native', 'wasm', 'noble'] : ['wasm', 'noble']

const backends = new Map<Secp256k1BackendName, Secp256k1Backend>()
for (const name of BACKEND_ORDER) {
  try {
    backends.set(name, await loadBackend(name))
  } catch (error) {
    t.comment(`${name}: ${(error as Error).message}`)
  }
}

t.test('the expected backends load and pass their self-test; auto takes the fastest', async (t) => {
  for (const name of EXPECTED) t.ok(backends.has(name), `${name} loads`)
  const { backend, skipped } = await selectSecp256k1Backend('auto')
  t.equal(backend.name, EXPECTED[0], `auto chooses ${EXPECTED[0]}`)
  t.same(skipped, [])
  for (const name of EXPECTED) t.equal((await selectSecp256k1Backend(name)).backend.name, name)
})

const word = (value: bigint) => value.toString(16).padStart(64, '0')
const sig = (r: bigint, s: bigint, v: number) =>
  hexToBytes(`0x${word(r)}${word(s)}${v.toString(16).padStart(2, '0')}`)
const split = (signature: Uint8Array) => ({
  r: BigInt(bytesToHex(signature.slice(0, 32))),
  s: BigInt(bytesToHex(signature.slice(32, 64))),
  v: signature[64]!,
})

/** What viem recovers (lower case), or undefined when it refuses the bytes. */
async function viemRecovers(hash: Uint8Array, signature: Uint8Array): Promise<string | undefined> {
  try {
    return (await recoverAddress({ hash: bytesToHex(hash), signature: bytesToHex(signature) })).toLowerCase()
  } catch {
    return undefined
  }
}

async function agree(t: Test, hash: Uint8Array, signature: Uint8Array, label: string, expected?: string) {
  const reference = await viemRecovers(hash, signature)
  if (expected !== undefined) t.equal(reference, expected, `viem: ${label}`)
  for (const [name, backend] of backends) {
    const got = recoverEvmAddress(backend, hash, signature)
    if (got !== reference) t.fail(`${name} disagrees with viem on ${label}: ${got} vs ${reference}`)
  }
}

t.test(
  'real signatures in every v and s spelling: each backend recovers the signer, as viem does',
  async (t) => {
    let checked = 0
    for (let i = 0; i < 40; i++) {
      const account = privateKeyToAccount(generatePrivateKey())
      const message = `Sign in ${i} — nonce ${crypto.randomUUID()}`
      const hash = hashMessage(message, 'bytes')
      const signature = hexToBytes(await account.signMessage({ message }))
      const { r, s, v } = split(signature)
      t.ok(v === 27 || v === 28, 'viem signs with v = 27/28')
      t.ok(s <= N >> 1n, 'viem signs low-s')
      const signer = account.address.toLowerCase()
      const flipped = v === 27 ? 28 : 27
      const forms: Array<[string, Uint8Array]> = [
        ['v = 27/28', signature],
        ['v = 0/1', sig(r, s, v - 27)],
        ['high s, v = 27/28 flipped', sig(r, N - s, flipped)],
        ['high s, v = 0/1 flipped', sig(r, N - s, flipped - 27)],
      ]
      for (const [label, bytes] of forms) {
        await agree(t, hash, bytes, `${label} #${i}`, signer)
        checked++
      }
      // The wrong parity recovers someone else, the same someone for every backend.
      await agree(t, hash, sig(r, s, flipped), `wrong parity #${i}`)
      // A high s with the original v is the other key too.
      await agree(t, hash, sig(r, N - s, v), `high s, v not flipped #${i}`)
    }
    t.equal(checked, 160)
  },
)

t.test('malformed r, s and v: no backend recovers, exactly when viem refuses', async (t) => {
  const account = privateKeyToAccount(generatePrivateKey())
  const hash = hashMessage('malformed', 'bytes')
  const { r, s, v } = split(hexToBytes(await account.signMessage({ message: 'malformed' })))
  const cases: Array<[string, Uint8Array]> = [
    ['r = 0', sig(0n, s, v)],
    ['s = 0', sig(r, 0n, v)],
    ['r = n', sig(N, s, v)],
    ['s = n', sig(r, N, v)],
    ['r = n + 1', sig(N + 1n, s, v)],
    ['s = 2^256 - 1', sig(r, 2n ** 256n - 1n, v)],
    ['r = 2^256 - 1', sig(2n ** 256n - 1n, s, v)],
  ]
  for (const bad of [2, 3, 26, 29, 35, 36, 255]) cases.push([`v = ${bad}`, sig(r, s, bad)])
  for (const [label, bytes] of cases) {
    t.equal(await viemRecovers(hash, bytes), undefined, `viem refuses ${label}`)
    for (const [name, backend] of backends) {
      t.equal(recoverEvmAddress(backend, hash, bytes), undefined, `${name} refuses ${label}`)
    }
  }
  for (const [name, backend] of backends) {
    t.equal(recoverEvmAddress(backend, hash, hexToBytes('0x1234')), undefined, `${name}: short bytes`)
    t.equal(recoverEvmAddress(backend, hash.slice(0, 31), sig(r, s, v)), undefined, `${name}: short hash`)
  }
})

t.test('random r and s (many not a curve x): every backend answers what viem answers', async (t) => {
  const hash = hashMessage('random', 'bytes')
  let refused = 0
  for (let i = 0; i < 200; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(65))
    bytes[64] = [0, 1, 27, 28][i % 4]!
    if ((await viemRecovers(hash, bytes)) === undefined) refused++
    await agree(t, hash, bytes, `random #${i}`)
  }
  t.ok(refused > 0 && refused < 200, `viem refused ${refused} of 200: both outcomes compared`)
})

t.test('verifyEvmSignature: the same answer through every backend, high s included', async (t) => {
  const account = privateKeyToAccount(generatePrivateKey())
  const message = 'verify through the login path'
  const signature = hexToBytes(await account.signMessage({ message }))
  const { r, s, v } = split(signature)
  const highS = bytesToHex(sig(r, N - s, v === 27 ? 28 : 27))
  for (const [name, backend] of backends) {
    const verify = (sigHex: string, walletAddress: string = account.address) =>
      verifyEvmSignature({ walletAddress, message, signature: sigHex, secp256k1: backend })
    t.equal(await verify(bytesToHex(signature)), true, `${name}: signer`)
    t.equal(
      await verify(bytesToHex(signature), account.address.toLowerCase()),
      true,
      `${name}: lower case address`,
    )
    t.equal(await verify(highS), true, `${name}: high-s twin`)
    t.equal(await verify(bytesToHex(sig(r, s, 0x1b + 5))), false, `${name}: bad v`)
    t.equal(
      await verify(bytesToHex(signature), privateKeyToAccount(generatePrivateKey()).address),
      false,
      `${name}: another wallet`,
    )
  }
})

t.test('signatureBackend and workers are validated like every option', async (t) => {
  const base = { projects: [{ id: 'p', publishableKey: 'pk', secretKey: 'sk', format: 'simple' }] }
  t.equal(parseAuthorityConfig(base).signatureBackend, 'auto')
  t.equal(parseAuthorityConfig({ ...base, signatureBackend: 'wasm' }).signatureBackend, 'wasm')
  t.throws(() => parseAuthorityConfig({ ...base, signatureBackend: 'fast' }), {
    message: /signatureBackend must be one of 'auto', 'native', 'wasm', 'noble', got "fast"/,
  })
  t.throws(() => parseAuthorityConfig({ ...base, signatureBackends: 'native' }), {
    message: /signatureBackends.*signatureBackend/,
  })
  t.equal(parseAuthorityConfig(base).workers, 1)
  t.equal(parseAuthorityConfig({ ...base, workers: 'auto' }).workers, 'auto')
  t.equal(parseAuthorityConfig({ ...base, workers: 4 }).workers, 4)
  for (const bad of [0, 1.5, '2', -1, 1000]) {
    t.throws(() => parseAuthorityConfig({ ...base, workers: bad }), { message: /workers must be an integer/ })
  }
})
