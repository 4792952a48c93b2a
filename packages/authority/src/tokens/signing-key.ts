import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { PrivateEcJwk } from '../config.js'
import { KeyFileError, readKeyFile, type SigningKeyEntry, type SigningKeyStatus } from './key-set.js'

/** The authority's token-signing key: private half for minting, public half for the JWKS. */
export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** Public JWK with `kid`, `alg` and `use`, as published in `.well-known/jwks.json`. */
  readonly publicJwk: JWK
}

/** A key of the authority's key set, with its rotation status. */
export interface KeySetMember extends SigningKey {
  readonly status: SigningKeyStatus
  /** When `picket-authority keys add` generated it, if known. */
  readonly created?: string
}

/**
 * Every key the authority holds: the current one signs, all of them (next, current, retired)
 * are published in the JWKS and verify the tokens they signed.
 */
export interface SigningKeySet {
  /** Signs new tokens. */
  readonly current: SigningKey
  /** Current first, then next, then retired keys. */
  readonly keys: readonly KeySetMember[]
  /** Our own key with this kid; a token's `jku`, `jwk` or `x5u` never adds one. */
  byKid(kid: string): SigningKey | undefined
  /** The public JWKS document (`.well-known/jwks.json`). */
  readonly jwks: { keys: JWK[] }
}

export interface SigningKeySource {
  jwk?: PrivateEcJwk | undefined
  /** A validated key set (`signingKeys`); wins over `jwk` and `file`. */
  keys?: readonly SigningKeyEntry[] | undefined
  /** Read when it exists; otherwise a new key is generated and written there (mode 0600). */
  file?: string | undefined
  warn: (message: string) => void
}

export const TOKEN_ALGORITHM = 'ES256'

/** Generates a fresh P-256 private key as an extractable JWK. */
export async function generateSigningJwk(): Promise<PrivateEcJwk> {
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true })
  return (await exportJWK(privateKey)) as PrivateEcJwk
}

/**
 * Resolves the key set: the configured `signingKeys`, else the configured JWK (one current
 * key), else the key file (a JWK or a key set; a JWK is created on first start), else an
 * in-memory key. The last two warn, because a key nobody configured is a key nobody backs up:
 * tokens die with it.
 */
export async function loadKeySet(source: SigningKeySource): Promise<SigningKeySet> {
  if (source.keys) return createKeySet(fromEntries(source.keys))
  if (source.jwk) return createKeySet([{ jwk: source.jwk, status: 'current' }])
  if (source.file) {
    const existing = await readKeyFileSet(source.file)
    if (existing) return existing
    const jwk = await generateSigningJwk()
    await mkdir(dirname(source.file), { recursive: true })
    await writeFile(source.file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    source.warn(`Generated a new ES256 signing key and saved it to ${source.file}; keep this file private`)
    return createKeySet([{ jwk, status: 'current' }])
  }
  source.warn(
    'No signingKey or signingKeyFile configured: using an in-memory ES256 key; tokens stop verifying after a restart',
  )
  return createKeySet([{ jwk: await generateSigningJwk(), status: 'current' }])
}

/** The current key of `loadKeySet(source)`. */
export async function loadSigningKey(source: SigningKeySource): Promise<SigningKey> {
  return (await loadKeySet(source)).current
}

/** The key set of an existing key file (a JWK or a key set); `undefined` when it does not exist. */
export async function readKeyFileSet(file: string): Promise<SigningKeySet | undefined> {
  const content = await readKeyFile(file)
  if (!content) return undefined
  try {
    return content.kind === 'set'
      ? await createKeySet(fromEntries(content.entries))
      : await createKeySet([{ jwk: content.jwk, status: 'current' }])
  } catch (error) {
    if (error instanceof KeyFileError) throw error
    throw new KeyFileError(file, '', (error as Error).message)
  }
}

function fromEntries(entries: readonly SigningKeyEntry[]) {
  return entries.map((entry) => ({ jwk: entry, status: entry.status, created: entry.created }))
}

const STATUS_ORDER: Record<SigningKeyStatus, number> = { current: 0, next: 1, retired: 2 }

/** Imports validated keys (each checked: its private half signs what its public half verifies). */
export async function createKeySet(
  input: readonly { jwk: PrivateEcJwk; status: SigningKeyStatus; created?: string | undefined }[],
): Promise<SigningKeySet> {
  const members: KeySetMember[] = []
  for (const [i, { jwk, status, created }] of input.entries()) {
    let key: SigningKey
    try {
      key = await importSigningKey(jwk)
    } catch (error) {
      throw new Error(
        `signingKeys[${i}] (kid ${jwk.kid ?? 'none'}) cannot be used: ${(error as Error).message}`,
      )
    }
    members.push(Object.freeze({ ...key, status, ...(created ? { created } : {}) }))
  }
  members.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status])
  const current = members.find((member) => member.status === 'current')
  if (!current) throw new Error("the key set has no key with status 'current'")
  const byKid = new Map(members.map((member) => [member.kid, member]))
  const jwks = Object.freeze({ keys: Object.freeze(members.map((member) => member.publicJwk)) as JWK[] })
  return Object.freeze({
    current,
    keys: Object.freeze(members),
    byKid: (kid: string) => byKid.get(kid),
    jwks,
  })
}

/** A fixed message signed at import, to check that a key's d belongs to its x, y. */
const PAIR_CHECK = new TextEncoder().encode('picket-authority signing key check')
const ECDSA_P256 = { name: 'ECDSA', hash: 'SHA-256' } as const

export async function importSigningKey(jwk: PrivateEcJwk): Promise<SigningKey> {
  const publicMembers: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
  // RFC 7638 thumbprint: stable across restarts and derived from the key itself.
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicMembers, 'sha256'))
  let privateKey: CryptoKey
  let publicKey: CryptoKey
  try {
    privateKey = (await importJWK(
      { ...publicMembers, d: jwk.d, alg: TOKEN_ALGORITHM },
      TOKEN_ALGORITHM,
    )) as CryptoKey
    publicKey = (await importJWK({ ...publicMembers, alg: TOKEN_ALGORITHM }, TOKEN_ALGORITHM)) as CryptoKey
  } catch (error) {
    throw new Error(
      `not a valid P-256 key pair (${(error as Error).message}): d must be the private key of x, y`,
    )
  }
  // WebCrypto checks the pair at import today; a key that would mint tokens nobody verifies is
  // refused here whatever the runtime does.
  const signature = await crypto.subtle.sign(ECDSA_P256, privateKey, PAIR_CHECK)
  if (!(await crypto.subtle.verify(ECDSA_P256, publicKey, signature, PAIR_CHECK))) {
    throw new Error('not a valid P-256 key pair: d must be the private key of x, y')
  }
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...publicMembers, kid, alg: TOKEN_ALGORITHM, use: 'sig' }),
  })
}
