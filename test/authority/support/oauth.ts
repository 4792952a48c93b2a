import { createHash, randomBytes } from 'node:crypto'
import type { PrivateKeyAccount } from 'viem/accounts'

/** A PKCE pair (RFC 7636 S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/**
 * What the hosted login page does, without a browser: the message from
 * `/oauth2/signing-message`, signed by the wallet; the authorize parameters it adds.
 */
export async function hostedSignature(
  base: string,
  account: PrivateKeyAccount,
  clientId: string,
): Promise<Record<string, string>> {
  const response = await fetch(`${base}/oauth2/signing-message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, walletAddress: account.address }),
  })
  if (response.status !== 200) throw new Error(`signing-message: ${response.status} ${await response.text()}`)
  const answer = (await response.json()) as {
    message: string
    context: { domain: string; uri: string; issuedAt: string }
  }
  const signature = await account.signMessage({ message: answer.message })
  return { walletAddress: account.address, signature, chain: 'ethereum', ...answer.context }
}

/** `GET /oauth2/authorize` without following the redirect. */
export function authorize(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/oauth2/authorize?${new URLSearchParams(params)}`, { redirect: 'manual', headers })
}

/** A JSON token request as picket-js sends it (`Basic  b64(key)`, two spaces, no colon). */
export async function tokenRequest(
  base: string,
  body: Record<string, string>,
  clientKey: string,
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic  ${Buffer.from(clientKey).toString('base64')}`,
    },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json(), headers: response.headers }
}

/** A whole login through the hosted-page path: code, then tokens. */
export async function oauthSession(
  base: string,
  account: PrivateKeyAccount,
  client: { publishableKey: string; redirectUri: string },
  extra: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers
): Promise<any> {
  const { verifier, challenge } = pkce()
  const response = await authorize(base, {
    client_id: client.publishableKey,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(await hostedSignature(base, account, client.publishableKey)),
    ...extra,
  })
  const location = new URL(response.headers.get('location') ?? 'http://invalid/')
  const code = location.searchParams.get('code')
  if (!code) throw new Error(`no code: ${location} ${response.status}`)
  const answer = await tokenRequest(
    base,
    { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier },
    client.publishableKey,
  )
  if (answer.status !== 200) throw new Error(`token: ${JSON.stringify(answer.body)}`)
  return answer.body
}
