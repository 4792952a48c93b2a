import { SigningMessageError } from './errors.js'
import type { ChainType, SigningMessageFormat } from './types.js'

export interface SigningMessageRequest {
  /** Defaults to `simple`, as in picket-js `createSigningMessage` (§4.1). */
  format?: SigningMessageFormat
  statement: string
  walletAddress: string
  nonce: string
  domain?: string
  uri?: string
  /** A string is read with `parseInt`, as the siwe 1.1.6 constructor does (picket-go sends strings). */
  chainId?: number | string
  issuedAt?: string
  chainType?: ChainType | string
}

/** The chain word substituted into SIWE text for non-EVM chains (§4.2, §9 #32). */
const CHAIN_WORD: Record<string, string> = { solana: 'Solana', flow: 'Flow' }

/**
 * Builds the message a wallet signs, byte-identical to picket-js `Picket.createSigningMessage`
 * (reference §4.1, §4.2), including its validation errors. The authority rebuilds the message
 * with this same function, so a front end and the server can never disagree on a byte.
 *
 * @throws SigningMessageError naming the missing field.
 */
export function createSigningMessage(request: SigningMessageRequest): string {
  const { format = 'simple', statement, walletAddress, nonce } = request
  if (!nonce) throw new SigningMessageError('nonce', "'nonce' is required to create a signing message")
  if (!walletAddress) {
    throw new SigningMessageError('walletAddress', "'walletAddress' is required to create a signing message")
  }
  if (format === 'simple') return `${statement}\n\nAddress: ${walletAddress}\nNonce: ${nonce}`
  if (format !== 'siwe') throw new SigningMessageError('format', `unknown signing message format '${format}'`)

  const { domain, uri, issuedAt, chainType } = request
  if (!statement) requireSiwe('statement')
  if (!domain) requireSiwe('domain')
  if (!uri) requireSiwe('uri')
  if (!issuedAt) requireSiwe('issuedAt')
  if (!request.chainId) requireSiwe('chainId')
  // biome-ignore lint/correctness/useParseIntRadix: siwe 1.1.6 calls parseInt without a radix ("0x89" is 137)
  const chainId = typeof request.chainId === 'string' ? Number.parseInt(request.chainId) : request.chainId
  if (chainId === undefined || !Number.isFinite(chainId)) {
    // siwe 1.1.6 would print "Chain ID: NaN"; no wallet signs that on purpose, so refuse it.
    throw new SigningMessageError('chainId', "'chainId' must be a number to create a SIWE signing message")
  }

  // siwe 1.1.6 SiweMessage.toMessage() with only the fields picket-js sets.
  const message = [
    `${domain} wants you to sign in with your Ethereum account:`,
    walletAddress,
    '',
    statement,
    '',
    `URI: ${uri}`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt}`,
  ].join('\n')

  const word =
    typeof chainType === 'string' && Object.hasOwn(CHAIN_WORD, chainType) ? CHAIN_WORD[chainType] : undefined
  return word ? message.replaceAll('Ethereum', word) : message
}

function requireSiwe(field: string): never {
  throw new SigningMessageError(field, `'${field}' is required to create a SIWE signing message`)
}
