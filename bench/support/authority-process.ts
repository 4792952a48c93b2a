/**
 * Child process: the bundled authority, for the plugin-gate benchmark. It serves the JWKS the
 * local variants fetch once, the login the bench does once, and `/auth/validate` on every
 * request of the uncached remote variant — in its own process, so that work is not charged to
 * the load generator nor to the server under test.
 */
import { generateSigningJwk, startAuthority } from 'picket-authority'
import { BENCH_PROJECT, type ChildReady, serveCpuUsage } from './protocol.js'

const authority = await startAuthority({
  port: 0,
  projects: [BENCH_PROJECT],
  signingKey: (await generateSigningJwk()) as never,
  issuer: 'http://picket.bench/api/v1',
  warn: () => {},
})

serveCpuUsage(async () => {
  await authority.close()
})

const ready: ChildReady = {
  type: 'ready',
  url: authority.url,
  issuer: authority.issuer,
  jwks: authority.jwks,
}
process.send!(ready)
