import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { PrivateEcJwk } from '../config.js'

/** The authority's token-signing key: private half for minting, public half for the JWKS. */
export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** Public JWK with `kid`, `alg` and `use`, as published in `.well-known/jwks.json`. */
  readonly publicJwk: JWK
}

export interface SigningKeySource {
  jwk?: PrivateEcJwk | undefined
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
 * Resolves the signing key: the configured JWK, else the key file (created on first start),
 * else an in-memory key. The last two warn, because a key nobody configured is a key nobody
 * backs up: tokens die with it.
 */
export async function loadSigningKey(source: SigningKeySource): Promise<SigningKey> {
  if (source.jwk) return importSigningKey(source.jwk)
  if (source.file) {
    const existing = await readKeyFile(source.file)
    if (existing) return importSigningKey(existing)
    const jwk = await generateSigningJwk()
    await mkdir(dirname(source.file), { recursive: true })
    await writeFile(source.file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    source.warn(`Generated a new ES256 signing key and saved it to ${source.file}; keep this file private`)
    return importSigningKey(jwk)
  }
  source.warn(
    'No signingKey or signingKeyFile configured: using an in-memory ES256 key; tokens stop verifying after a restart',
  )
  return importSigningKey(await generateSigningJwk())
}

async function readKeyFile(file: string): Promise<PrivateEcJwk | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const parsed = JSON.parse(text) as PrivateEcJwk | { signingKey?: PrivateEcJwk }
  // Accept a bare JWK or a config-like file that carries one under `signingKey`.
  const jwk = 'kty' in parsed ? parsed : parsed.signingKey
  if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new Error(`Signing key file ${file} does not hold a private EC P-256 JWK`)
  }
  return jwk
}

async function importSigningKey(jwk: PrivateEcJwk): Promise<SigningKey> {
  const publicMembers: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
  // RFC 7638 thumbprint: stable across restarts and derived from the key itself.
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicMembers, 'sha256'))
  const privateKey = (await importJWK({ ...jwk, alg: TOKEN_ALGORITHM }, TOKEN_ALGORITHM)) as CryptoKey
  const publicKey = (await importJWK(
    { ...publicMembers, alg: TOKEN_ALGORITHM },
    TOKEN_ALGORITHM,
  )) as CryptoKey
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...publicMembers, kid, alg: TOKEN_ALGORITHM, use: 'sig' }),
  })
}
