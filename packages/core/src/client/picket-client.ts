import type { GateExpression } from '../core/gate-language.js'
import {
  type ConfigErrorFactory,
  expectObject,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from '../core/strict-input.js'
import type {
  AccessTokenPayload,
  AuthRequest,
  AuthResponse,
  AuthzRequest,
  ChainInfo,
  ChainSlug,
  NonceRequest,
  NonceResponse,
  RequirementsInput,
  TokenOwnershipRequest,
} from '../core/types.js'
import { argumentErrors, chainOrDefault, resolveCallOptions } from './arguments.js'
import { runCall } from './call-runner.js'
import {
  type CallOptions,
  type ClientConfig,
  type PicketClientOptions,
  resolveClientConfig,
} from './client-options.js'
import { expandPath, OPERATIONS, type Operation, templateIdentity } from './operations.js'
import {
  authShape,
  chainInfoShape,
  chainsShape,
  nonceShape,
  type ResponseShape,
  type TokenOwnershipResult,
  tokenOwnershipShape,
  validateShape,
} from './response-shapes.js'
import { createTransport, type Transport } from './transport.js'

/**
 * Client for the Picket API v1, wire-compatible with the official picket-node SDK (same methods,
 * paths, camelCase JSON bodies and `Authorization: Basic base64(key)` header).
 *
 * Every method rejects only with `PicketError` subclasses: `PicketArgumentError` (before sending),
 * `PicketAPIError`, `PicketResponseFormatError`, `PicketUnexpectedResponseError`,
 * `PicketNetworkError`, `PicketTimeoutError` or `PicketAbortError`. Calls that are safe to repeat
 * (`nonce`, `validate`, `tokenOwnership`, `chains`, `chainInfo`) are retried on network errors,
 * timeouts, 429, 502, 503 and 504; `auth` and `authz` are never retried.
 *
 * @example
 * ```ts
 * const picket = new PicketClient(process.env.PICKET_SECRET_KEY!, { baseURL: 'http://127.0.0.1:8787/api/v1' })
 * const { nonce, statement, format } = await picket.nonce({ walletAddress })
 * ```
 */
export class PicketClient {
  /** The API root requests go to, without a trailing slash. */
  readonly baseURL: string
  readonly #config: ClientConfig
  readonly #transport: Transport

  /**
   * @param apiKey the project's secret key (a publishable key also works for the endpoints
   *   picket-js calls).
   * @throws PicketConfigError when the key is missing or an option is invalid.
   */
  constructor(apiKey: string, options?: PicketClientOptions) {
    this.#config = resolveClientConfig(apiKey, options)
    this.#transport = createTransport(this.#config)
    this.baseURL = this.#config.baseURL
  }

  /**
   * `POST /auth/nonce`: a nonce and the statement to sign for `walletAddress` (§2.1). Picket
   * returns the same nonce while it is alive, so this call is retried when safe.
   */
  nonce(args: NonceRequest, options?: CallOptions): Promise<NonceResponse> {
    return this.#call(OPERATIONS.nonce, options, (fail) => {
      const { chain, walletAddress, locale } = expectObject(args, 'arguments', fail)
      return {
        path: expandPath(OPERATIONS.nonce, {}),
        shape: nonceShape,
        body: {
          chain: chainOrDefault(chain, fail),
          walletAddress: requiredString(walletAddress, 'walletAddress', fail),
          locale: optionalString(locale, 'locale', fail),
        },
      }
    })
  }

  /**
   * `POST /auth`: exchanges a signed nonce for an access token, optionally checking
   * `requirements` (§2.2). Never retried: it consumes the nonce.
   */
  auth(args: AuthRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#call(OPERATIONS.auth, options, (fail) => {
      const { chain, walletAddress, signature, requirements, context } = expectObject(args, 'arguments', fail)
      return {
        path: expandPath(OPERATIONS.auth, {}),
        shape: authShape,
        body: {
          chain: chainOrDefault(chain, fail),
          walletAddress: requiredString(walletAddress, 'walletAddress', fail),
          signature: requiredString(signature, 'signature', fail),
          requirements: optionalObject(requirements, 'requirements', fail),
          context: optionalObject(context, 'context', fail),
        },
      }
    })
  }

  /**
   * `POST /authz`: incremental authorization of an existing session; returns a new token whose
   * balances include the new requirements (§2.3). `revalidate` is always sent (default `false`),
   * as every SDK does. Never retried: it mints a token.
   */
  authz(args: AuthzRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#call(OPERATIONS.authz, options, (fail) => {
      const { accessToken, requirements, gate, revalidate } = expectObject(args, 'arguments', fail)
      if (gate !== undefined && requirements !== undefined) {
        throw fail('gate', 'and requirements together: send one')
      }
      return {
        path: expandPath(OPERATIONS.authz, {}),
        shape: authShape,
        body: {
          accessToken: requiredString(accessToken, 'accessToken', fail),
          ...(gate === undefined
            ? { requirements: expectObject(requirements, 'requirements', fail) }
            : { gate: expectObject(gate, 'gate', fail) }),
          revalidate: optionalBoolean(revalidate, 'revalidate', fail) ?? false,
        },
      }
    })
  }

  /**
   * `POST /auth/validate`: the decoded claims of `accessToken` if Picket accepts it (and it meets
   * `requirements`, when given) (§2.4). `{ gate }` instead of requirements asks the bundled
   * authority whether the token alone proves a gate (this package's extension).
   */
  validate(
    accessToken: string,
    requirements?: RequirementsInput | { gate: GateExpression },
    options?: CallOptions,
  ): Promise<AccessTokenPayload> {
    return this.#call(OPERATIONS.validate, options, (fail) => {
      const checks = optionalObject(requirements, 'requirements', fail)
      const gate = checks && Object.hasOwn(checks, 'gate') ? checks.gate : undefined
      return {
        path: expandPath(OPERATIONS.validate, {}),
        shape: validateShape,
        body: {
          accessToken: requiredString(accessToken, 'accessToken', fail),
          ...(gate === undefined ? { requirements: checks } : { gate: expectObject(gate, 'gate', fail) }),
        },
      }
    })
  }

  /**
   * `POST /chains/{chain}/wallets/{walletAddress}/tokenOwnership`: whether a wallet meets token
   * requirements, without a session (§2.7). The body is flat, as picket-node and the docs send it.
   * Not meeting the requirements is `{ allowed: false }`, not an error.
   */
  tokenOwnership(args: TokenOwnershipRequest, options?: CallOptions): Promise<TokenOwnershipResult> {
    return this.#call(OPERATIONS.tokenOwnership, options, (fail) => {
      const record = expectObject(args, 'arguments', fail)
      const chain = chainOrDefault(record.chain, fail)
      const walletAddress = requiredString(record.walletAddress, 'walletAddress', fail)
      const { contractAddress, tokenIds, collection, creatorAddress, minTokenBalance } = record
      return {
        path: expandPath(OPERATIONS.tokenOwnership, { chain, walletAddress }),
        shape: tokenOwnershipShape,
        body: { contractAddress, tokenIds, collection, creatorAddress, minTokenBalance },
      }
    })
  }

  /** `GET /chains`: every supported chain, unwrapped from the response's `data` (§2.5). */
  chains(options?: CallOptions): Promise<ChainInfo[]> {
    return this.#call(OPERATIONS.chains, options, () => ({
      path: expandPath(OPERATIONS.chains, {}),
      shape: chainsShape,
    }))
  }

  /** `GET /chains/{chain}`: one chain's info (§2.6). */
  chainInfo(chain: ChainSlug, options?: CallOptions): Promise<ChainInfo> {
    return this.#call(OPERATIONS.chainInfo, options, (fail) => ({
      path: expandPath(OPERATIONS.chainInfo, { chain: requiredString(chain, 'chain', fail) }),
      shape: chainInfoShape,
    }))
  }

  /**
   * Validates arguments (synchronous throws become rejections, so nothing is ever sent for a bad
   * call), then runs the call. `prepare` checks them with core's strict-input helpers and `fail`,
   * which makes a `PicketArgumentError` naming this call.
   */
  async #call<T>(
    operation: Operation,
    options: CallOptions | undefined,
    prepare: (fail: ConfigErrorFactory) => {
      path: string
      shape: ResponseShape<T>
      body?: Record<string, unknown>
    },
  ): Promise<T> {
    const fail = argumentErrors(templateIdentity(operation))
    const { path, shape, body } = prepare(fail)
    const { signal, timeout } = resolveCallOptions(options, this.#config.timeout, fail)
    return runCall(this.#transport, this.#config.retryPolicy, {
      operation,
      path,
      shape,
      body,
      signal,
      timeout,
    })
  }
}
