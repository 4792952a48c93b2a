import type { RunningAuthority } from 'picket-authority'

/** The plugin's `verify` for tokens of `audience` minted by a running authority (its JWKS, its issuer). */
export function localVerify(authority: Pick<RunningAuthority, 'url' | 'issuer'>, audience: string) {
  return { jwks: `${authority.url}/.well-known/jwks.json`, audience, issuer: authority.issuer }
}
