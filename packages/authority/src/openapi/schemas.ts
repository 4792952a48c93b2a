/**
 * Shared fragments of the authority's OpenAPI document (OpenAPI 3.0 schema objects), published
 * under `components.schemas` and referenced from route schemas with `ref('User')`.
 *
 * How to document a route (each route file keeps its schema next to its route):
 *
 * ```ts
 * import { errorResponses, json, ref } from '../openapi/schemas.js'
 *
 * const USERINFO_SCHEMA = {
 *   summary: 'Claims about the signed-in wallet',
 *   description: '…',
 *   tags: ['OAuth 2.0'],
 *   security: [{ bearerAuth: [] }],          // omit: API key; public routes get [] from PUBLIC_ROUTE
 *   querystring: { type: 'object', properties: { … } },   // or body / params
 *   response: {
 *     200: json('The claims', ref('User')),
 *     ...errorResponses(400, 429),
 *     401: json('No valid access token (`WWW-Authenticate: Bearer error="invalid_token"`)', ref('ErrorResponse')),
 *   },
 * } as const
 * app.get('/oauth2/userinfo', { schema: USERINFO_SCHEMA }, handler)
 * ```
 *
 * These schemas only describe the wire: inside the authority neither Ajv nor fast-json-stringify
 * runs on them (see `registerOpenApi`), so bodies stay exactly as tolerant as
 * request-normalization.ts makes them. `test/authority/openapi.test.ts` fails for a route
 * without a summary and a documented success response, and checks real answers against them.
 */

import type { OpenAPIV3 } from 'openapi-types'

/** Names of the shared schemas in `components.schemas`. */
export type SchemaName = keyof typeof SCHEMAS

/** `{ $ref }` to a shared schema. */
export function ref(name: SchemaName): { $ref: string } {
  return refTo(name)
}

function refTo(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` }
}

/** A JSON response with its description. */
export function json(description: string, schema: object, headers?: Record<string, object>) {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) }
}

const RETRY_AFTER = {
  'Retry-After': { type: 'integer', description: 'Seconds to wait before trying again' },
}

/** What each error status means on every route that answers it (reference §3). */
const ERROR_DESCRIPTIONS = {
  400: 'Malformed input (`parameter_invalid`); `msg` names the field',
  401: 'No API key (`authentication_required`) or an unknown or malformed one (`api_key_invalid`, `msg` contains "Invalid project key")',
  403: 'Refused (`permission_denied`)',
  404: 'Not found (`resource_not_found`)',
  413: 'Request body larger than the limit (`payload_too_large`)',
  415: 'Content-Type is not application/json (`unsupported_media_type`)',
  424: 'A chain RPC or DAS endpoint failed (`chain_unavailable`); never taken as a pass',
  429: 'Rate limited per client IP or per wallet (`rate_limited`), with Retry-After',
  503: "The authority's store cannot serve now (`service_unavailable`), or token requirements on a chain it has no RPC URL for (`chain_not_configured`, `msg` names the setting); with Retry-After",
} as const

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS

/** One `{msg, code}` error answer; 429 and 503 carry Retry-After. */
export function errorResponse(status: ErrorStatus, description: string = ERROR_DESCRIPTIONS[status]) {
  return json(description, ref('ErrorResponse'), status === 429 || status === 503 ? RETRY_AFTER : undefined)
}

/** The standard error answers for the given statuses (override one by spreading after it). */
export function errorResponses(...statuses: ErrorStatus[]): Record<string, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statuses.map((status) => [String(status), errorResponse(status)]))
}

/** Errors of every JSON POST body: malformed, too large, wrong content type. */
export const BODY_ERRORS = [400, 413, 415] as const satisfies readonly ErrorStatus[]

const balanceMap = {
  type: 'object',
  additionalProperties: {
    type: 'string',
    description: 'Decimal balance after token decimals, e.g. "0.1337"',
  },
} satisfies OpenAPIV3.SchemaObject

const stringOrNumber = { oneOf: [{ type: 'string' }, { type: 'number' }] } satisfies OpenAPIV3.SchemaObject

/** Shared schemas (reference §2.11, §3, §5.2). Response objects are closed so drift is caught. */
export const SCHEMAS = {
  ErrorResponse: {
    type: 'object',
    description:
      'Every non-2xx answer (§3). `msg` may be shown to end users; picket-js matches substrings of it.',
    required: ['msg', 'code'],
    additionalProperties: false,
    properties: {
      msg: { type: 'string', example: 'Invalid project key' },
      code: { type: 'string', example: 'api_key_invalid' },
    },
  },
  OAuthErrorResponse: {
    type: 'object',
    description:
      "Errors of the OAuth endpoints (RFC 6749 §5.2) with Picket's `code` and `msg` beside them (same values).",
    required: ['error', 'error_description', 'code', 'msg'],
    additionalProperties: false,
    properties: {
      error: { type: 'string', example: 'invalid_grant' },
      error_description: { type: 'string' },
      code: { type: 'string', example: 'invalid_grant' },
      msg: { type: 'string' },
    },
  },
  Requirements: {
    type: 'object',
    description:
      'Token-gating requirements (§2.11). Every field is optional; `""` and `null` count as absent. ' +
      'snake_case spellings (`token_ids`, `contract_address`, `min_token_balance`, `creator_address`, ' +
      '`allowed_wallets`) are read as their camelCase names (picket-go).',
    properties: {
      contractAddress: { type: 'string', description: 'EVM token contract (ERC-20, ERC-721 or ERC-1155)' },
      minTokenBalance: {
        ...stringOrNumber,
        description: 'Decimal amount; absent means any positive holding',
      },
      allowedWallets: {
        type: 'array',
        items: { type: 'string' },
        description: 'Wallet addresses allowed in',
      },
      tokenIds: {
        type: 'array',
        items: stringOrNumber,
        description: 'Solana mint ids, or EVM token ids of an ERC-721/1155 `contractAddress`',
      },
      collection: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'Metaplex collection id(s)',
      },
      creatorAddress: { type: 'string', description: 'Verified creator of the SPL tokens' },
    },
  },
  Gate: {
    type: 'object',
    description:
      "A gate in this package's gate language, instead of `requirements`: groups `all`, `any`, `atLeast: { n, of }`, " +
      '`not` over conditions `erc20`, `erc721`, `erc1155`, `native`, `allowlist`, `call`, `splToken`, ' +
      '`metaplexCollection`, `picket`, each naming its `chain` (a CAIP-2 id such as `eip155:8453`, or a chain ' +
      "slug of this authority). Parsed strictly: a mistake is a 400 naming its path. See the README's Gates section.",
    example: {
      all: [
        {
          erc721: {
            chain: 'eip155:1',
            contract: '0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d',
            ids: ['1-100'],
          },
        },
        {
          any: [
            {
              erc20: {
                chain: 'eip155:8453',
                contract: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
                min: '500',
              },
            },
          ],
        },
      ],
    },
  },
  SigningMessageContext: {
    type: 'object',
    description:
      'What the front end put into the SIWE message (§2.11). An empty object, or one whose fields are all `""` ' +
      '(picket-go), counts as absent.',
    properties: {
      domain: { type: 'string', example: 'localhost:3000' },
      uri: { type: 'string', example: 'http://localhost:3000' },
      chainId: { ...stringOrNumber, description: 'A number, or a numeric string (picket-go)' },
      issuedAt: { type: 'string', example: '2023-03-18T23:26:51.123Z' },
      chainType: { type: 'string', enum: ['ethereum', 'solana', 'flow'] },
      locale: { type: 'string', example: 'en-US' },
    },
  },
  TokenBalances: {
    type: 'object',
    description:
      'Balances per requirement category, keyed by the requirement string as sent (§2.11). ' +
      'To picket-go (User-Agent `picket-go`) answers carry them flattened to `{ key: balance }` (§9 #11).',
    additionalProperties: false,
    properties: {
      contractAddress: balanceMap,
      collection: balanceMap,
      tokenIds: balanceMap,
      creatorAddress: balanceMap,
    },
  },
  TokenIdBalances: {
    type: 'object',
    description: 'EVM contract (lower case) → token id → balance: the ids behind a `tokenIds` gate',
    additionalProperties: balanceMap,
  },
  User: {
    type: 'object',
    description: 'The signed-in wallet (§2.2); all four keys are always present.',
    required: ['chain', 'walletAddress', 'displayAddress', 'tokenBalances'],
    additionalProperties: false,
    properties: {
      chain: { type: 'string', example: 'ethereum' },
      walletAddress: { type: 'string' },
      displayAddress: { type: 'string', description: 'ENS name when there is one, else the address' },
      tokenBalances: refTo('TokenBalances'),
    },
  },
  AuthResponse: {
    type: 'object',
    required: ['accessToken', 'user'],
    additionalProperties: false,
    properties: {
      accessToken: { type: 'string', description: 'ES256 JWT; verify it with the JWKS' },
      user: refTo('User'),
    },
  },
  NonceResponse: {
    type: 'object',
    required: ['nonce', 'statement', 'format', 'locale'],
    additionalProperties: false,
    properties: {
      nonce: { type: 'string', description: 'Alphanumeric, live for the nonce TTL (120 s by default)' },
      statement: { type: 'string', description: "The project's statement, the text the wallet signs" },
      format: { type: 'string', enum: ['siwe', 'simple'], description: "The project's message format" },
      locale: { type: 'string', description: 'The requested locale, echoed (default `en`)' },
    },
  },
  AccessTokenClaims: {
    type: 'object',
    description: 'The decoded claims of an access token (§5.2).',
    required: [
      'chain',
      'walletAddress',
      'displayAddress',
      'tokenBalances',
      'iat',
      'exp',
      'iss',
      'sub',
      'aud',
      'tid',
      'ver',
    ],
    properties: {
      chain: { type: 'string' },
      walletAddress: { type: 'string' },
      displayAddress: { type: 'string' },
      tokenBalances: refTo('TokenBalances'),
      iat: { type: 'integer' },
      exp: { type: 'integer' },
      iss: { type: 'string', description: 'The issuer: the public URL of the API prefix' },
      sub: { type: 'string', description: '`{chain}:{walletAddress}`' },
      aud: { type: 'string', description: 'The project id' },
      tid: { type: 'string', description: 'Token id (UUID)' },
      ver: { type: 'integer' },
      sid: { type: 'string', description: 'The session: the `tid` of the login token' },
      domain: { type: 'string', description: 'The SIWE domain the login was signed for' },
      tokenIdBalances: refTo('TokenIdBalances'),
      blockNumber: {
        type: 'integer',
        minimum: 0,
        description: 'The EVM block the balances were read at (the oldest, after /authz merged reads)',
      },
      caip2: {
        type: 'string',
        description:
          "The CAIP-2 id of the token's chain on this authority (e.g. `eip155:31337`): its balances prove gate " +
          'conditions on that chain only',
      },
      gateFacts: {
        type: 'object',
        description:
          "Answers of gate conditions, per chain (CAIP-2 id): the block they were read at (EVM) and each condition's " +
          'key → met. Recorded by `/authz` with a gate, so the next request is decided from the token.',
        additionalProperties: {
          type: 'object',
          required: ['met'],
          properties: {
            block: { type: 'integer', minimum: 0 },
            met: { type: 'object', additionalProperties: { type: 'boolean' } },
          },
        },
      },
      contractAddress: { type: 'string', description: 'Legacy single-requirement claim' },
      tokenBalance: { type: 'string', description: 'Legacy single-requirement claim' },
      tokenIds: { type: 'array', items: { type: 'string' }, description: 'Legacy single-requirement claim' },
      email: { type: 'string' },
    },
  },
  ChainInfo: {
    type: 'object',
    description: "A supported chain (§2.11); `chainID` repeats `chainId` for picket-node's types.",
    required: [
      'chainSlug',
      'chainId',
      'chainID',
      'chainType',
      'chainName',
      'publicRPC',
      'authorizationSupported',
    ],
    additionalProperties: false,
    properties: {
      chainSlug: { type: 'string', example: 'ethereum' },
      chainId: { type: 'integer', example: 1 },
      chainID: { type: 'integer', example: 1 },
      chainType: { type: 'string', enum: ['ethereum', 'solana', 'flow'] },
      chainName: { type: 'string', example: 'Ethereum' },
      publicRPC: { type: 'string' },
      authorizationSupported: { type: 'boolean', description: 'Whether token gating works on this chain' },
    },
  },
  TokenOwnershipResponse: {
    type: 'object',
    required: ['allowed', 'walletAddress', 'tokenBalance', 'tokenBalances'],
    additionalProperties: false,
    properties: {
      allowed: { type: 'boolean' },
      walletAddress: { type: 'string' },
      tokenBalance: { type: 'string', description: 'Sum of every balance read (docs, picket-node)' },
      tokenBalances: refTo('TokenBalances'),
    },
  },
  JsonWebKeySet: {
    type: 'object',
    required: ['keys'],
    properties: {
      keys: {
        type: 'array',
        items: {
          type: 'object',
          description: 'A public EC P-256 key (RFC 7517)',
          required: ['kty', 'kid'],
          properties: {
            kty: { type: 'string', enum: ['EC'] },
            crv: { type: 'string', enum: ['P-256'] },
            x: { type: 'string' },
            y: { type: 'string' },
            kid: { type: 'string' },
            alg: { type: 'string', enum: ['ES256'] },
            use: { type: 'string', enum: ['sig'] },
          },
        },
      },
    },
  },
} satisfies Record<string, OpenAPIV3.SchemaObject>
