import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256 } from 'viem'

/**
 * secp256k1 public-key recovery for EOA logins (issue 14), by the fastest implementation that
 * loads here: libsecp256k1 as a native addon (the optional `secp256k1` package, whose prebuilt
 * linux-x64 / darwin-arm64 / win32-x64 binaries load without install scripts), libsecp256k1
 * compiled to WebAssembly (the optional `tiny-secp256k1`), or @noble/curves in JavaScript (a
 * dependency: always there). One is chosen at start (`signatureBackend`, default `auto`: the
 * first that loads and passes a self-test) and every login uses it.
 *
 * All three see exactly the same input, checked and normalised here first, so they cannot
 * disagree on what is accepted:
 *   - a 32-byte hash and a 65-byte r ‖ s ‖ v signature, v ∈ {0, 1, 27, 28};
 *   - 1 ≤ r < n and 1 ≤ s < n (else: not an EOA signature);
 *   - a high s (s > n/2) is accepted, as viem's `recoverAddress` (noble) accepted it before this
 *     module and as Ethereum's ecrecover precompile does: it is rewritten to its low-s twin
 *     (n − s, the other recovery bit), which recovers the same key. libsecp256k1 itself takes
 *     either form for recovery; normalising makes that a decision of this module, not of a
 *     library version. Accepting both twins lets no one log in twice: the nonce is single-use.
 */

export const SIGNATURE_BACKENDS = ['auto', 'native', 'wasm', 'noble'] as const
export type SignatureBackendPreference = (typeof SIGNATURE_BACKENDS)[number]
export type Secp256k1BackendName = Exclude<SignatureBackendPreference, 'auto'>

export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName
  /** What runs, for the startup log: e.g. "native libsecp256k1 (secp256k1 5.0.2)". */
  readonly description: string
  /**
   * The 65-byte uncompressed public key (0x04 ‖ x ‖ y) of a signature already checked and
   * normalised by `recoverEvmAddress` (low s, 1 ≤ r < n, recovery bit 0 or 1); undefined when
   * no key recovers (r is no curve point's x, or the result is the point at infinity).
   */
  recoverPublicKey(hash: Uint8Array, compact: Uint8Array, recoveryBit: 0 | 1): Uint8Array | undefined
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const HALF_N = N >> 1n

function bigintOf(bytes: Uint8Array, start: number): bigint {
  let hex = ''
  for (let i = start; i < start + 32; i++) hex += HEX[bytes[i]!]
  return BigInt(`0x${hex}`)
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function bytes32Of(value: bigint, into: Uint8Array, at: number): void {
  let rest = value
  for (let i = at + 31; i >= at; i--) {
    into[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
}

/**
 * The lower-case 0x address that signed `hash`, or undefined when the 65 bytes are not an EOA
 * signature (wrong length, v not 0/1/27/28, r or s zero or ≥ n, nothing recovers).
 */
export function recoverEvmAddress(
  backend: Secp256k1Backend,
  hash: Uint8Array,
  signature: Uint8Array,
): string | undefined {
  if (hash.length !== 32 || signature.length !== 65) return undefined
  const v = signature[64]!
  let recoveryBit: 0 | 1
  if (v === 0 || v === 27) recoveryBit = 0
  else if (v === 1 || v === 28) recoveryBit = 1
  else return undefined
  const r = bigintOf(signature, 0)
  const s = bigintOf(signature, 32)
  if (r === 0n || r >= N || s === 0n || s >= N) return undefined
  let compact = signature.subarray(0, 64)
  if (s > HALF_N) {
    compact = signature.slice(0, 64)
    bytes32Of(N - s, compact, 32)
    recoveryBit = recoveryBit === 0 ? 1 : 0
  }
  let publicKey: Uint8Array | undefined
  try {
    publicKey = backend.recoverPublicKey(hash, compact, recoveryBit)
  } catch {
    return undefined
  }
  if (publicKey?.length !== 65) return undefined
  const digest = keccak256(publicKey.subarray(1), 'bytes')
  let address = '0x'
  for (let i = 12; i < 32; i++) address += HEX[digest[i]!]
  return address
}

/** @noble/curves (JavaScript): always available. */
export function nobleBackend(): Secp256k1Backend {
  return {
    name: 'noble',
    description: 'JavaScript @noble/curves',
    recoverPublicKey(hash, compact, recoveryBit) {
      return nobleSecp256k1.Signature.fromBytes(compact, 'compact')
        .addRecoveryBit(recoveryBit)
        .recoverPublicKey(hash)
        .toBytes(false)
    },
  }
}

/** What this module uses of the `secp256k1` package's native binding (it ships no types). */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed?: boolean): Uint8Array
}

/** What this module uses of `tiny-secp256k1` (typed locally: it is an optional dependency). */
interface TinySecp256k1 {
  recover(
    hash: Uint8Array,
    signature: Uint8Array,
    recoveryId: 0 | 1 | 2 | 3,
    compressed?: boolean,
  ): Uint8Array | null
}

const requireHere = createRequire(import.meta.url)

/** The installed version, from its package.json (found from its entry: not every package exports it). */
function packageVersion(name: string): string {
  try {
    let dir = dirname(requireHere.resolve(name))
    while (dir !== dirname(dir)) {
      const manifest = join(dir, 'package.json')
      if (existsSync(manifest)) {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string }
        if (parsed.name === name && parsed.version) return parsed.version
      }
      dir = dirname(dir)
    }
  } catch {}
  return 'unknown version'
}

/**
 * libsecp256k1 as a native addon. `secp256k1/bindings` is required, not the package's main,
 * which falls back silently to elliptic (JavaScript) when the addon does not load: a missing
 * binary must show as a missing backend, not as a slow one under the native name.
 */
export function loadNativeBackend(): Secp256k1Backend {
  const binding = requireHere(NATIVE_SPECIFIER) as NativeSecp256k1
  return {
    name: 'native',
    description: `native libsecp256k1 (secp256k1 ${packageVersion('secp256k1')}, prebuilt addon)`,
    recoverPublicKey(hash, compact, recoveryBit) {
      return binding.ecdsaRecover(compact, recoveryBit, hash, false)
    },
  }
}
/** Through a variable: types compile, and bundlers do not insist, when the package is absent. */
const NATIVE_SPECIFIER: string = 'secp256k1/bindings'
const WASM_SPECIFIER: string = 'tiny-secp256k1'

/** libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`, an ES module that loads its .wasm). */
export async function loadWasmBackend(): Promise<Secp256k1Backend> {
  const tiny = (await import(WASM_SPECIFIER)) as TinySecp256k1
  if (typeof tiny.recover !== 'function') throw new Error('tiny-secp256k1 has no recover()')
  return {
    name: 'wasm',
    description: `WebAssembly libsecp256k1 (tiny-secp256k1 ${packageVersion('tiny-secp256k1')})`,
    recoverPublicKey(hash, compact, recoveryBit) {
      return tiny.recover(hash, compact, recoveryBit, false) ?? undefined
    },
  }
}

const LOADERS: Record<Secp256k1BackendName, () => Secp256k1Backend | Promise<Secp256k1Backend>> = {
  native: loadNativeBackend,
  wasm: loadWasmBackend,
  noble: nobleBackend,
}

/** The order `auto` tries them in: fastest first. */
export const BACKEND_ORDER: readonly Secp256k1BackendName[] = ['native', 'wasm', 'noble']

const hexBytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))

/**
 * A known signature: viem's `signMessage` of "picket-authority secp256k1 self-test" by the key
 * 0x11…11 (v = 28, low s). The self-test also checks its high-s twin and the v = 0/1 spelling.
 */
const SELF_TEST = {
  hash: hexBytes('0x36ac06a2d2653fdef71e8d32cb88aa86d33f812de0b9a1e24893e41f8951f4fb'),
  signature: hexBytes(
    '0x7c093fb4ce3ba327a00de3948ce9dba60a2b2f3112ae0af65527f26feb9ddd6952941ecd5c8cba89a3888644a39a81bb82062e0533b612448b23b63286a68ce01c',
  ),
  address: '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a',
}

/** Throws unless `backend` recovers the known signer from each form of the known signature. */
export function selfTest(backend: Secp256k1Backend): void {
  const { hash, signature, address } = SELF_TEST
  const yParity = signature.slice()
  yParity[64] = signature[64]! - 27
  const highS = signature.slice()
  bytes32Of(N - bigintOf(signature, 32), highS, 32)
  highS[64] = signature[64] === 27 ? 28 : 27
  for (const [form, bytes] of [
    ['v = 27/28', signature],
    ['v = 0/1', yParity],
    ['high s', highS],
  ] as const) {
    const recovered = recoverEvmAddress(backend, hash, bytes)
    if (recovered !== address) {
      throw new Error(`self-test failed (${form}): recovered ${recovered ?? 'nothing'}, expected ${address}`)
    }
  }
  const wrong = signature.slice()
  wrong[0] = wrong[0]! ^ 1
  if (recoverEvmAddress(backend, hash, wrong) === address) {
    throw new Error('self-test failed: a corrupted signature recovered the signer')
  }
}

export interface BackendSelection {
  backend: Secp256k1Backend
  /** Backends tried before it, and why each was passed over (for the startup log). */
  skipped: ReadonlyArray<{ name: Secp256k1BackendName; reason: string }>
}

/** Loads and self-tests one backend; throws with the reason it cannot be used. */
export async function loadBackend(name: Secp256k1BackendName): Promise<Secp256k1Backend> {
  let backend: Secp256k1Backend
  try {
    backend = await LOADERS[name]()
  } catch (error) {
    throw new Error(`did not load: ${firstLine(error)}`)
  }
  selfTest(backend)
  return backend
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n', 1)[0]!
}

/**
 * The backend of `preference`: `auto` takes the first of native, WASM, noble that loads and
 * passes the self-test; a named one must, or this throws naming the backend and the reason.
 */
export async function selectSecp256k1Backend(
  preference: SignatureBackendPreference = 'auto',
): Promise<BackendSelection> {
  if (preference !== 'auto') {
    try {
      return { backend: await loadBackend(preference), skipped: [] }
    } catch (error) {
      throw new Error(
        `signatureBackend '${preference}' cannot be used: ${firstLine(error)} ` +
          `(install ${preference === 'native' ? 'secp256k1' : preference === 'wasm' ? 'tiny-secp256k1' : '@noble/curves'}, or set signatureBackend to 'auto')`,
      )
    }
  }
  const skipped: Array<{ name: Secp256k1BackendName; reason: string }> = []
  for (const name of BACKEND_ORDER) {
    try {
      return { backend: await loadBackend(name), skipped }
    } catch (error) {
      skipped.push({ name, reason: firstLine(error) })
    }
  }
  // noble is a dependency and has no native part: reaching this means a broken install.
  throw new Error(
    `no secp256k1 backend works: ${skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ')}`,
  )
}

/** The startup log line: which backend verifies EOA signatures, and why the faster ones did not. */
export function describeSelection(selection: BackendSelection): string {
  const skipped = selection.skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ')
  return `EOA signatures: ${selection.backend.description}${skipped ? ` (skipped ${skipped})` : ''}`
}
