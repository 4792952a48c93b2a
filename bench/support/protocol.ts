/** What the bench script and its child processes say to each other over the IPC channel. */
import type { JWK } from 'jose'

export const BENCH_PROJECT = {
  id: '6c0f3a52-8d0b-4f57-a1c4-3e9b2d7f1a08',
  name: 'Bench',
  publishableKey: 'pk_bench',
  secretKey: 'sk_bench',
  statement: 'Sign in to Bench',
  allowedDomains: ['localhost:3000'],
}

export type ChildReady =
  | { type: 'ready'; url: string; issuer: string; jwks: { keys: JWK[] } }
  | { type: 'ready'; port: number }

export type ParentMessage = { type: 'cpu'; id: number } | { type: 'close' }

export interface CpuReply {
  type: 'cpu'
  id: number
  /** process.cpuUsage(), user + system, in µs. */
  micros: number
}

/**
 * Answers the parent's CPU-time queries (so it can tell how busy the server was during a run)
 * and closes cleanly on request, so `--cpu-prof` gets to write its profile.
 */
export function serveCpuUsage(close: () => Promise<void>): void {
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      const reply: CpuReply = { type: 'cpu', id: message.id, micros: user + system }
      process.send!(reply)
    } else if (message.type === 'close') {
      close().finally(() => process.exit(0))
    }
  })
  // The parent died without saying goodbye: do not linger.
  process.on('disconnect', () => process.exit(0))
}
