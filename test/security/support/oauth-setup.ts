/**
 * The set-up the OAuth security suites share: a project with one redirect URI, a partner project
 * with another (for cross-client attacks), an authority serving both over real HTTP, throwaway
 * wallets, and a whole hosted-page login that ends in a refresh token.
 */
import type { Test } from 'tap'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { SIWE_PROJECT, startTestAuthority, type TestAuthority } from '../../authority/support/authority.js'
import { oauthSession } from '../../authority/support/oauth.js'

export const REDIRECT = 'http://127.0.0.1:9/cb'
export const OTHER_REDIRECT = 'http://127.0.0.1:9/other'
export const PROJECT = { ...SIWE_PROJECT, redirectUris: [REDIRECT] }
export const PARTNER = {
  id: 'partner-project',
  name: 'Partner',
  publishableKey: 'pk_partner',
  secretKey: 'sk_partner',
  allowedDomains: ['partner.example'],
  redirectUris: [OTHER_REDIRECT],
}

/** A fresh wallet (real secp256k1 key). */
export const wallet = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey())

/** An authority serving PROJECT and PARTNER on 127.0.0.1, closed with the test. */
export async function startOAuthAuthority(t: Test): Promise<TestAuthority> {
  const authority = await startTestAuthority({ projects: [PROJECT, PARTNER] })
  t.teardown(() => authority.close())
  return authority
}

/** `/oauth2/authorize` parameters of PROJECT's code flow with PKCE, plus the hosted page's login. */
export function authorizeParams(
  challenge: string,
  login: Record<string, string> = {},
): Record<string, string> {
  return {
    client_id: PROJECT.publishableKey,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid offline_access',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...login,
  }
}

/** A whole hosted-page login to PROJECT asking for `offline_access`: access, ID and refresh tokens. */
export function offlineSession(
  base: string,
  account: PrivateKeyAccount = wallet(),
): Promise<{ refresh_token: string; access_token: string; id_token: string }> {
  return oauthSession(
    base,
    account,
    { publishableKey: PROJECT.publishableKey, redirectUri: REDIRECT },
    { scope: 'openid offline_access' },
  )
}
