import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { calculateJwkThumbprint } from 'jose'
import type { ConfigErrorFactory } from 'picket-core'
import {
  KeyFileError,
  MAX_SIGNING_KEYS,
  parseSigningKeyEntries,
  readKeyFile,
  type SigningKeyEntry,
  writeFileAtomically,
} from './tokens/key-set.js'
import { generateSigningJwk } from './tokens/signing-key.js'

export const KEYS_USAGE = `Usage: picket-authority keys <add|promote|retire|remove|list> --file FILE [--kid KID]

  add       generate a P-256 key as 'next' (the first key of a new file is 'current');
            --kid names it (default: its RFC 7638 thumbprint)
  promote   make --kid KID the current (signing) key; the current key becomes 'retired'
  retire    mark --kid KID 'retired' (it verifies its tokens until they expire)
  remove    delete --kid KID (not the current key): its tokens stop verifying
  list      print kid, status and creation date (no private material)

  --file    the key-set file ({ "signingKeys": [...] }, mode 0600), used by the authority as
            signingKeyFile; a file holding one JWK is converted (its kid is kept)

The authority reads its keys at start, and again on SIGHUP (CLI) or authority.reloadKeys().`

const ACTIONS = ['add', 'promote', 'retire', 'remove', 'list'] as const
type Action = (typeof ACTIONS)[number]

/** A mistake in the command line or in the key file: the message names the fix. */
export class KeysCommandError extends Error {
  override name = 'KeysCommandError'
}

interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

/** What the file holds, as the CLI edits it: the keys, and the file's other members (kept). */
interface KeyDocument {
  entries: SigningKeyEntry[]
  rest: Record<string, unknown>
  exists: boolean
  /** A single JWK that becomes a key set when written. */
  converted: boolean
}

/** Kid of a generated or converted key: its RFC 7638 thumbprint, as the authority computes it. */
async function thumbprintOf(jwk: { kty: string; crv: string; x: string; y: string }): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256')
}

/** A P-256 JWK as a key-set entry (its private part included); `kid` defaults to the thumbprint. */
async function entryFromJwk(
  jwk: { kty: string; crv: string; x: string; y: string; d: string },
  kid: string | undefined,
  status: SigningKeyEntry['status'],
): Promise<SigningKeyEntry> {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: jwk.x,
    y: jwk.y,
    d: jwk.d,
    kid: kid ?? (await thumbprintOf(jwk)),
    status,
  }
}

async function readDocument(file: string): Promise<KeyDocument> {
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text === undefined || text.trim() === '') {
    return { entries: [], rest: {}, exists: text !== undefined, converted: false }
  }
  const content = await readKeyFile(file, { allowEmpty: true })
  if (!content) return { entries: [], rest: {}, exists: false, converted: false }
  const { signingKeys: _keys, signingKey: _key, ...rest } = content.document
  if (content.kind === 'set') return { entries: [...content.entries], rest, exists: true, converted: false }
  if (typeof rest.signingKeyFile === 'string') {
    throw new KeysCommandError(
      `${file} is an authority config whose keys are in signingKeyFile (${rest.signingKeyFile}): run keys --file on that file`,
    )
  }
  // One JWK (a bare key file, or a config's signingKey): the current key of a new set, same kid.
  const { jwk } = content
  const entry = await entryFromJwk(jwk, jwk.kid, 'current')
  return { entries: [entry], rest: 'kty' in content.document ? {} : rest, exists: true, converted: true }
}

async function writeDocument(file: string, document: KeyDocument): Promise<void> {
  // The same checks as the authority's at start: a file the CLI writes always loads.
  const fail: ConfigErrorFactory = (field, problem) => new KeyFileError(file, field, problem)
  const entries = parseSigningKeyEntries(document.entries, 'signingKeys', fail)
  await writeFileAtomically(file, `${JSON.stringify({ ...document.rest, signingKeys: entries }, null, 2)}\n`)
}

function describeKeys(entries: readonly SigningKeyEntry[]): string {
  return entries.length === 0
    ? 'no keys'
    : entries.map((entry) => `${entry.kid} (${entry.status})`).join(', ')
}

function findKey(document: KeyDocument, kid: string, file: string): SigningKeyEntry {
  const entry = document.entries.find((candidate) => candidate.kid === kid)
  if (!entry) {
    throw new KeysCommandError(
      `${file} has no key with kid "${kid}" (it holds: ${describeKeys(document.entries)}); see picket-authority keys list --file ${file}`,
    )
  }
  return entry
}

const RELOAD_HINT =
  'The authority uses the change after a restart, SIGHUP (picket-authority) or authority.reloadKeys().'

/** `picket-authority keys …`: edits a key-set file. Throws `KeysCommandError` for a mistake. */
export async function runKeysCommand(args: readonly string[], output: Output): Promise<void> {
  let parsed: ReturnType<typeof parseKeysArgs>
  try {
    parsed = parseKeysArgs(args)
  } catch (error) {
    throw new KeysCommandError(`${(error as Error).message}\n${KEYS_USAGE}`)
  }
  const { action, file, kid, help } = parsed
  if (help) {
    output.out(KEYS_USAGE)
    return
  }
  if (action === undefined) throw new KeysCommandError(`keys needs an action\n${KEYS_USAGE}`)
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new KeysCommandError(`unknown keys action '${action}' (${ACTIONS.join(', ')})\n${KEYS_USAGE}`)
  }
  if (file === undefined) {
    throw new KeysCommandError(`keys ${action} needs --file FILE: the key-set file (signingKeyFile)`)
  }
  if (kid === undefined && action !== 'add' && action !== 'list') {
    throw new KeysCommandError(
      `keys ${action} needs --kid KID: the key to ${action} (picket-authority keys list --file ${file} shows them)`,
    )
  }
  const document = await readDocument(file)
  if (document.converted && action !== 'list') {
    output.err(
      `Converted the single key of ${file} into a key set (kid ${document.entries[0]!.kid}, current)`,
    )
  }
  switch (action as Action) {
    case 'list':
      return listKeys(document, file, output)
    case 'add':
      return addKey(document, file, kid, output)
    case 'promote':
      return promoteKey(document, file, kid!, output)
    case 'retire':
      return retireKey(document, file, kid!, output)
    case 'remove':
      return removeKey(document, file, kid!, output)
  }
}

function parseKeysArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      kid: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (positionals.length > 1) throw new Error(`one action at a time, got: ${positionals.join(' ')}`)
  return { action: positionals[0], file: values.file, kid: values.kid, help: values.help === true }
}

function listKeys(document: KeyDocument, file: string, output: Output): void {
  if (!document.exists) {
    throw new KeysCommandError(
      `${file} does not exist: create it with picket-authority keys add --file ${file}`,
    )
  }
  const rows = [
    ['KID', 'STATUS', 'CREATED'],
    ...document.entries.map((entry) => [entry.kid, entry.status, entry.created ?? '-']),
  ]
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)))
  for (const row of rows) {
    output.out(`${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`)
  }
}

async function addKey(
  document: KeyDocument,
  file: string,
  kid: string | undefined,
  output: Output,
): Promise<void> {
  if (document.entries.length >= MAX_SIGNING_KEYS) {
    throw new KeysCommandError(
      `${file} already holds ${document.entries.length} keys (at most ${MAX_SIGNING_KEYS}): remove a retired key whose tokens have expired first (keys remove --kid KID)`,
    )
  }
  if (kid !== undefined && document.entries.some((entry) => entry.kid === kid)) {
    throw new KeysCommandError(`${file} already has a key with kid "${kid}": choose another --kid`)
  }
  const jwk = await generateSigningJwk()
  const status = document.entries.length === 0 ? 'current' : 'next'
  const entry: SigningKeyEntry = {
    ...(await entryFromJwk(jwk, kid, status)),
    created: new Date().toISOString(),
  }
  document.entries.push(entry)
  await writeDocument(file, document)
  output.out(`added ${entry.kid} (${status})`)
  output.err(
    status === 'current'
      ? `${file} signs tokens once the authority reads it (signingKeyFile). ${RELOAD_HINT}`
      : `Published as 'next' once the authority reloads. Promote it when every verifier has fetched the new JWKS: picket-authority keys promote --file ${file} --kid ${entry.kid}. ${RELOAD_HINT}`,
  )
}

async function promoteKey(document: KeyDocument, file: string, kid: string, output: Output): Promise<void> {
  const entry = findKey(document, kid, file)
  if (entry.status === 'current') {
    if (document.converted) await writeDocument(file, document)
    output.out(`${kid} is already current`)
    return
  }
  const previous = document.entries.find((candidate) => candidate.status === 'current')
  document.entries = document.entries.map((candidate) => {
    if (candidate === entry) return { ...candidate, status: 'current' }
    if (candidate === previous) return { ...candidate, status: 'retired' }
    return candidate
  })
  await writeDocument(file, document)
  output.out(`promoted ${kid} to current${previous ? `; ${previous.kid} is now retired` : ''}`)
  output.err(
    `Remove ${previous?.kid ?? 'the retired key'} once the longest token lifetime (tokenTTL) has passed. ${RELOAD_HINT}`,
  )
}

async function retireKey(document: KeyDocument, file: string, kid: string, output: Output): Promise<void> {
  const entry = findKey(document, kid, file)
  if (entry.status === 'current') {
    throw new KeysCommandError(
      `${kid} is the current key and signs new tokens: promote another key first (promoting retires the current one)`,
    )
  }
  if (entry.status === 'retired') {
    output.out(`${kid} is already retired`)
    return
  }
  document.entries = document.entries.map((candidate) =>
    candidate === entry ? { ...candidate, status: 'retired' } : candidate,
  )
  await writeDocument(file, document)
  output.out(`retired ${kid}`)
  output.err(RELOAD_HINT)
}

async function removeKey(document: KeyDocument, file: string, kid: string, output: Output): Promise<void> {
  const entry = findKey(document, kid, file)
  if (entry.status === 'current') {
    throw new KeysCommandError(
      `${kid} is the current key and signs new tokens: add and promote another key first, then remove this one once its tokens have expired`,
    )
  }
  document.entries = document.entries.filter((candidate) => candidate !== entry)
  await writeDocument(file, document)
  output.out(`removed ${kid} (was ${entry.status})`)
  output.err(`Tokens signed by ${kid} stop verifying once the authority reloads its keys. ${RELOAD_HINT}`)
}
