/**
 * The app's sessions: in memory, keyed by a random id that travels in a signed httpOnly cookie.
 * The tokens stay on the server (a refresh token never reaches the browser). Bounded: at most
 * `max` sessions, idle ones expire, and when full the least recently used one is dropped.
 */
import { randomBytes } from 'node:crypto'

/** Who is signed in: the ID token's claims the app shows. */
export interface SignedInUser {
  sub: string
  chain: string
  walletAddress: string
  displayAddress: string
  /** The ID token's other claims, shown on the home page. */
  claims: Record<string, unknown>
}

export interface SessionTokens {
  accessToken: string
  refreshToken: string | undefined
  /** Epoch ms after which the access token is refreshed before use. */
  expiresAt: number
}

export interface Session {
  readonly id: string
  /** Sent back by the page's forms (logout, re-check): a cross-site form cannot know it. */
  readonly csrf: string
  user?: SignedInUser
  tokens?: SessionTokens
  /** The last members' check: the balance the authority vouched for, or why it did not. */
  members?: { granted: true; balance: string } | { granted: false; reason: string }
  lastSeen: number
}

export interface SessionStoreOptions {
  /** Default 10 000. */
  max?: number
  /** Idle lifetime in ms; default 8 hours. */
  idleMs?: number
  now?: () => number
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #max: number
  readonly #idleMs: number
  readonly #now: () => number

  constructor(options: SessionStoreOptions = {}) {
    this.#max = options.max ?? 10_000
    this.#idleMs = options.idleMs ?? 8 * 3600_000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#sessions.size
  }

  /** The live session with this id (and marks it used), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined
    const session = this.#sessions.get(id)
    if (!session) return undefined
    this.#sessions.delete(id)
    if (this.#now() - session.lastSeen > this.#idleMs) return undefined
    session.lastSeen = this.#now()
    // Re-inserted: the Map's order is least recently used first.
    this.#sessions.set(id, session)
    return session
  }

  create(): Session {
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next().value
      if (oldest === undefined) break
      this.#sessions.delete(oldest)
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      lastSeen: this.#now(),
    }
    this.#sessions.set(session.id, session)
    return session
  }

  delete(id: string): void {
    this.#sessions.delete(id)
  }

  /** Every live session (the test reads a refresh token to check that logout revoked it). */
  values(): Session[] {
    return [...this.#sessions.values()]
  }
}
