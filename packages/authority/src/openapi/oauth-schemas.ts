import { json, ref } from './schemas.js'

/**
 * Route schemas of the OAuth 2.0 / OpenID Connect endpoints (oauth/*), for the API document
 * only (no validation, no serialization: see `registerAuthority`). Use one per route:
 * `app.post('/oauth2/token', { config: PUBLIC_ROUTE, bodyLimit, schema: TOKEN_SCHEMA }, …)`.
 * The endpoints take no API key (PUBLIC_ROUTE documents `security: []`); clients authenticate
 * as RFC 6749 §2.3.1 says, userinfo with the bearer access token.
 */

const TAGS = ['OAuth 2.0']

/** `{error, error_description, code, msg}` with a description. */
function oauthError(description: string) {
  return json(description, ref('OAuthErrorResponse'))
}

const RETRY_AFTER = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before trying again' } }

const repeated = (description: string) => ({
  type: 'array',
  items: { type: 'string' },
  description: `${description} (repeat the parameter)`,
})

export const AUTHORIZE_SCHEMA = {
  summary: 'Authorization endpoint (code flow with PKCE)',
  description:
    'picket-js sends the wallet login in the query (`walletAddress`, `signature`, SIWE `domain`/`uri`/`issuedAt`) and ' +
    'is redirected (`response_mode=query` or its alias `code`) or posted to (`web_message`) with the code. Without ' +
    'a signature the answer is a hosted login page. An unknown `client_id` or an unregistered `redirect_uri` is ' +
    'never redirected to: 400 (HTML, or JSON when the Accept header does not ask for HTML); every other error goes ' +
    'back to `redirect_uri` with `error`, `error_description`, `state` and `iss`.',
  tags: TAGS,
  querystring: {
    type: 'object',
    required: ['client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method'],
    properties: {
      client_id: { type: 'string', description: "The project's publishable key" },
      redirect_uri: { type: 'string', description: "Exactly one of the project's `redirectUris`" },
      code_challenge: { type: 'string', description: 'base64url(SHA-256(code_verifier))' },
      code_challenge_method: { type: 'string', enum: ['S256'] },
      state: { type: 'string', description: 'Echoed byte for byte' },
      response_type: { type: 'string', enum: ['code'] },
      response_mode: { type: 'string', enum: ['query', 'code', 'web_message'], default: 'query' },
      scope: { type: 'string', description: 'Space-separated: openid, profile, offline_access' },
      nonce: { type: 'string', description: 'Copied into the ID token' },
      prompt: { type: 'string', description: '`none`: answer `login_required` instead of the login page' },
      locale: { type: 'string' },
      chain: { type: 'string', default: 'ethereum' },
      walletAddress: { type: 'string' },
      signature: { type: 'string' },
      domain: { type: 'string', description: 'SIWE domain the wallet signed for' },
      uri: { type: 'string' },
      issuedAt: { type: 'string' },
      contractAddress: { type: 'string' },
      minTokenBalance: { type: 'string' },
      collection: repeated('Metaplex collection id(s)'),
      creatorAddress: { type: 'string' },
      tokenIds: repeated('Token ids'),
      allowedWallets: repeated('Allowed wallet addresses'),
    },
  },
  response: {
    200: {
      description:
        'The hosted login page, or (web_message) the page that posts the answer to `window.opener`',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
    302: {
      description:
        'Back to `redirect_uri` with `code`, `state`, `iss` (or `error`, `error_description`, `state`, `iss`)',
      type: 'null',
      headers: { Location: { type: 'string' } },
    },
    400: {
      description: 'Unknown `client_id` or unregistered `redirect_uri`: not redirected',
      content: {
        'text/html': { schema: { type: 'string' } },
        'application/json': { schema: ref('OAuthErrorResponse') },
      },
    },
  },
} as const

export const SIGNING_MESSAGE_SCHEMA = {
  summary: "The message the hosted login page's wallet signs",
  description:
    "Issues (or returns the live) nonce like `/auth/nonce` and builds the message for the authority's own domain " +
    "and origin, in the project's format.",
  tags: TAGS,
  body: {
    type: 'object',
    required: ['client_id', 'walletAddress'],
    properties: {
      client_id: { type: 'string', description: "The project's publishable key" },
      walletAddress: { type: 'string' },
      chain: { type: 'string', default: 'ethereum' },
      locale: { type: 'string' },
    },
  },
  response: {
    200: json('The message to sign and what it was built from', {
      type: 'object',
      required: ['message', 'nonce', 'context'],
      additionalProperties: false,
      properties: {
        message: { type: 'string' },
        nonce: { type: 'string' },
        context: {
          type: 'object',
          required: ['domain', 'uri', 'issuedAt', 'chainId'],
          additionalProperties: false,
          properties: {
            domain: { type: 'string' },
            uri: { type: 'string' },
            issuedAt: { type: 'string' },
            chainId: { type: 'integer' },
          },
        },
      },
    }),
    400: oauthError('Malformed input (`invalid_request`)'),
    401: oauthError('`client_id` is not the publishable key of a project (`invalid_client`)'),
    429: json('Rate limited', ref('OAuthErrorResponse'), RETRY_AFTER),
    503: json(
      'The nonce store cannot serve now (`temporarily_unavailable`)',
      ref('OAuthErrorResponse'),
      RETRY_AFTER,
    ),
  },
} as const

const TOKEN_REQUEST = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token'] },
    code: { type: 'string' },
    redirect_uri: { type: 'string', description: 'The one of the authorization request' },
    code_verifier: { type: 'string' },
    refresh_token: { type: 'string', description: 'Rotated on every use; an older one revokes the session' },
    client_id: { type: 'string', description: 'When the client does not use HTTP Basic' },
    client_secret: { type: 'string', description: "The project's secret key (confidential clients)" },
  },
}

export const TOKEN_SCHEMA = {
  summary: 'Token endpoint',
  description:
    'The authorization-code grant (PKCE) and the refresh-token grant. Client authentication: HTTP Basic with the ' +
    'publishable key alone (picket-js) or `publishableKey:secretKey`, or `client_id` (+ `client_secret`) in the ' +
    "body. The answer carries both OAuth's snake_case fields and Picket's camelCase ones with the user.",
  tags: TAGS,
  body: {
    content: {
      'application/x-www-form-urlencoded': { schema: TOKEN_REQUEST },
      'application/json': { schema: TOKEN_REQUEST },
    },
  },
  response: {
    200: json('The tokens (`Cache-Control: no-store`)', {
      type: 'object',
      required: [
        'access_token',
        'token_type',
        'expires_in',
        'scope',
        'accessToken',
        'tokenType',
        'expiresIn',
        'user',
      ],
      additionalProperties: false,
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer' },
        refresh_token: { type: 'string', description: 'With the `offline_access` scope' },
        scope: { type: 'string' },
        id_token: { type: 'string', description: 'When the scope has `openid`' },
        accessToken: { type: 'string' },
        tokenType: { type: 'string', enum: ['Bearer'] },
        expiresIn: { type: 'integer' },
        refreshToken: { type: 'string', description: 'With the `offline_access` scope' },
        user: ref('User'),
      },
    }),
    400: oauthError('`invalid_request`, `invalid_grant`, `unsupported_grant_type`'),
    401: oauthError('Client authentication failed (`invalid_client`)'),
    429: json('Rate limited', ref('OAuthErrorResponse'), RETRY_AFTER),
    503: json(
      'A store or chain cannot serve now (`temporarily_unavailable`)',
      ref('OAuthErrorResponse'),
      RETRY_AFTER,
    ),
  },
} as const

export const USERINFO_SCHEMA = {
  summary: 'OpenID Connect userinfo',
  description: 'Claims about the wallet of a bearer access token minted by this authority.',
  tags: TAGS,
  security: [{ bearerAuth: [] }],
  response: {
    200: json('The claims', {
      type: 'object',
      required: ['sub', 'chain', 'walletAddress', 'displayAddress', 'preferred_username', 'tokenBalances'],
      additionalProperties: false,
      properties: {
        sub: { type: 'string', description: '`{chain}:{walletAddress}`' },
        chain: { type: 'string' },
        walletAddress: { type: 'string' },
        displayAddress: { type: 'string' },
        preferred_username: { type: 'string' },
        tokenBalances: ref('TokenBalances'),
      },
    }),
    401: oauthError(
      'No valid access token (`invalid_token`, with `WWW-Authenticate: Bearer error="invalid_token"`)',
    ),
  },
} as const

export const REVOKE_SCHEMA = {
  summary: 'Revoke a session (RFC 7009)',
  description:
    'Ends the session of a refresh token, or of an access token (its `sid`), for the client it was issued to. ' +
    '200 whatever the token. Same client authentication as the token endpoint.',
  tags: TAGS,
  body: {
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          required: ['token'],
          properties: {
            token: { type: 'string' },
            token_type_hint: { type: 'string', enum: ['refresh_token', 'access_token'] },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
          },
        },
      },
      'application/json': {
        schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
      },
    },
  },
  response: {
    200: json('Done (an empty object)', { type: 'object', additionalProperties: false }),
    400: oauthError('`token` is missing (`invalid_request`)'),
    401: oauthError('Client authentication failed (`invalid_client`)'),
  },
} as const
