import type { ProjectConfigInput } from 'picket-authority'
import { type RunningAuthority, type StartAuthorityOptions, startAuthority } from 'picket-authority'

/** A SIWE project (the default format) used by most tests. */
export const SIWE_PROJECT: ProjectConfigInput = {
  id: '53e74bdf-6e6e-4f31-b0d1-ceda189a6a25',
  name: 'Test App',
  publishableKey: 'pk_test_publishable_123',
  secretKey: 'sk_test_123',
  statement: 'Sign in to Test App',
  allowedDomains: ['localhost:3000'],
}

/** A project with the `simple` format. */
export const SIMPLE_PROJECT: ProjectConfigInput = {
  id: '0b8f5a4e-2222-4c51-9a37-0c7c1e9f6a10',
  name: 'Simple App',
  publishableKey: 'pk_simple_456',
  secretKey: 'sk_simple_456',
  format: 'simple',
  statement: 'Sign in to Simple App',
}

/** Authorization header bytes exactly as each SDK sends them (reference §1.3). */
export const basicAuth = {
  js: (key: string) => `Basic  ${Buffer.from(key).toString('base64')}`,
  node: (key: string) => `Basic ${Buffer.from(key).toString('base64')}`,
  python: (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
  go: (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
}

export interface TestAuthority extends RunningAuthority {
  /** JSON call over real HTTP; `auth` is the raw Authorization header (default node-style secret key). */
  call(
    method: 'GET' | 'POST',
    path: string,
    options?: { body?: unknown; auth?: string | null; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  ): Promise<{ status: number; body: any; headers: Headers }>
}

/** Starts an authority on a free loopback port with the two test projects. */
export async function startTestAuthority(
  options: Partial<StartAuthorityOptions> = {},
): Promise<TestAuthority> {
  const authority = await startAuthority({
    port: 0,
    projects: [SIWE_PROJECT, SIMPLE_PROJECT],
    warn: () => {},
    ...options,
  })
  return {
    ...authority,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...callOptions.headers }
      const auth = callOptions.auth === undefined ? basicAuth.node(SIWE_PROJECT.secretKey) : callOptions.auth
      if (auth !== null) headers.authorization = auth
      const response = await fetch(`${authority.url}/${path}`, {
        method,
        headers,
        ...(callOptions.body !== undefined
          ? {
              body:
                typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body),
            }
          : {}),
      })
      const text = await response.text()
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = { notJson: text }
      }
      return { status: response.status, body, headers: response.headers }
    },
  }
}
