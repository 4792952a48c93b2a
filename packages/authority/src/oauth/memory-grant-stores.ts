import {
  type CodeGrant,
  type CodeRecord,
  type CodeStore,
  type FamilyRecord,
  GrantStoreFullError,
  type RefreshFamily,
  type RotateResult,
  type SessionStore,
} from './grant-stores.js'

/** Default bound on live codes and on live families, per store (memory) or per key prefix (Redis). */
export const DEFAULT_MAX_GRANT_ENTRIES = 100_000

/** Longest `Retry-After` a full grant store answers with, in seconds. */
const MAX_RETRY_AFTER_SECONDS = 60

/**
 * `Retry-After` of a full store: the seconds until its oldest live entry expires and frees a place,
 * at least 1 and at most a minute (a full session store frees places only as families end, days
 * away; a minute later is as good a time as any to try again).
 */
export function grantStoreRetryAfter(msUntilFree: number): number {
  if (!Number.isFinite(msUntilFree)) return MAX_RETRY_AFTER_SECONDS
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(msUntilFree / 1000)))
}

/** Validates the bound option shared by every grant store. */
export function grantStoreBound(maxEntries: number | undefined): number {
  const max = maxEntries ?? DEFAULT_MAX_GRANT_ENTRIES
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`)
  }
  return max
}

/** Validates a code TTL and turns it into whole milliseconds. */
export function codeTtlMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`an authorization code TTL must be a positive number of seconds, got ${ttlSeconds}`)
  }
  return Math.max(1, Math.round(ttlSeconds * 1000))
}

/** Validates a family's `expiresAt` (seconds) and turns it into milliseconds. */
export function familyExpiresAtMs(family: RefreshFamily): number {
  if (!Number.isFinite(family.expiresAt)) {
    throw new RangeError(`a session's expiresAt must be a number of seconds, got ${family.expiresAt}`)
  }
  return Math.round(family.expiresAt * 1000)
}

export interface MemoryGrantStoreOptions {
  /**
   * Upper bound on live entries (default 100 000). When it is reached (after expired entries are
   * purged) a new entry is refused with `GrantStoreFullError`; a live one is never evicted.
   */
  maxEntries?: number
  /** Clock in milliseconds since the epoch (tests); `Date.now` by default. */
  now?: () => number
}

interface Slot<V> {
  value: V
  expiresAtMs: number
}

interface HeapItem {
  at: number
  id: string
}

/**
 * A bounded map whose entries expire at a given time. Expired entries are dropped lazily when
 * read, and purged in expiry order through a binary min-heap before every insertion: each entry
 * is pushed and popped once, so the purge costs amortised O(log n) per insertion and no timer
 * keeps the process alive. Overwriting an id leaves a stale heap item behind (recognised by its
 * time and skipped); the heap is rebuilt when stale items outnumber live ones.
 */
class ExpiringMap<V> {
  private readonly slots = new Map<string, Slot<V>>()
  private heap: HeapItem[] = []

  constructor(
    private readonly what: string,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /** The live slot of `id` (mutable in place), or undefined. */
  get(id: string): Slot<V> | undefined {
    const slot = this.slots.get(id)
    if (slot === undefined) return undefined
    if (slot.expiresAtMs <= this.now()) {
      // Its heap item is now stale and is skipped when popped.
      this.slots.delete(id)
      return undefined
    }
    return slot
  }

  /** Stores `value` until `expiresAtMs`; refuses (never evicts) when the map holds `max` live entries. */
  set(id: string, value: V, expiresAtMs: number): void {
    const now = this.now()
    this.purge(now)
    if (expiresAtMs <= now) {
      // Already over: nothing to keep, and an older value under this id is over too.
      this.slots.delete(id)
      return
    }
    if (!this.slots.has(id) && this.slots.size >= this.max) {
      const oldest = this.heap[0]
      throw new GrantStoreFullError(this.what, grantStoreRetryAfter((oldest?.at ?? Infinity) - now))
    }
    this.slots.set(id, { value, expiresAtMs })
    this.push({ at: expiresAtMs, id })
    if (this.heap.length > 2 * this.slots.size + 1024) this.rebuild()
  }

  clear(): void {
    this.slots.clear()
    this.heap = []
  }

  private purge(now: number): void {
    for (let top = this.heap[0]; top !== undefined && top.at <= now; top = this.heap[0]) {
      this.pop()
      if (this.slots.get(top.id)?.expiresAtMs === top.at) this.slots.delete(top.id)
    }
  }

  private rebuild(): void {
    this.heap = []
    for (const [id, slot] of this.slots) this.push({ at: slot.expiresAtMs, id })
  }

  private push(item: HeapItem): void {
    const heap = this.heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]!
      if (p.at <= item.at) break
      heap[i] = p
      i = parent
    }
    heap[i] = item
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left
      if (heap[child]!.at >= last.at) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}

interface StoredCode {
  readonly grant: CodeGrant
  redeemedBy?: string
}

/**
 * Authorization codes of a single authority instance. Node runs each call to completion without
 * interleaving, so `redeem` is atomic by construction.
 */
export function createMemoryCodeStore(options: MemoryGrantStoreOptions = {}): CodeStore {
  const now = options.now ?? Date.now
  const codes = new ExpiringMap<StoredCode>('authorization code', grantStoreBound(options.maxEntries), now)
  return {
    async put(id, grant, ttlSeconds) {
      const ttl = codeTtlMs(ttlSeconds)
      // A copy: the stored grant cannot change under a later mutation by the caller.
      codes.set(id, { grant: structuredClone(grant) }, now() + ttl)
    },
    async get(id) {
      const slot = codes.get(id)
      if (slot === undefined) return undefined
      const { grant, redeemedBy } = slot.value
      const record: CodeRecord = redeemedBy === undefined ? { grant } : { grant, redeemedBy }
      return record
    },
    async redeem(id, familyId) {
      const slot = codes.get(id)
      if (slot === undefined || slot.value.redeemedBy !== undefined) return false
      slot.value.redeemedBy = familyId
      return true
    },
    async close() {
      codes.clear()
    },
  }
}

interface StoredFamily {
  readonly family: RefreshFamily
  current: string
  revoked: boolean
}

/**
 * Refresh-token families of a single authority instance, each kept (revoked or not) until its
 * `expiresAt`. Every operation runs to completion without interleaving, so `rotate` is a true
 * compare-and-swap.
 */
export function createMemorySessionStore(options: MemoryGrantStoreOptions = {}): SessionStore {
  const now = options.now ?? Date.now
  const families = new ExpiringMap<StoredFamily>('session', grantStoreBound(options.maxEntries), now)
  return {
    async create(family, tokenHash) {
      const expiresAtMs = familyExpiresAtMs(family)
      families.set(
        family.id,
        { family: structuredClone(family), current: tokenHash, revoked: false },
        expiresAtMs,
      )
    },
    async get(familyId) {
      const slot = families.get(familyId)
      if (slot === undefined) return undefined
      const { family, current, revoked } = slot.value
      const record: FamilyRecord = { family, current, revoked }
      return record
    },
    async rotate(familyId, presentedHash, nextHash): Promise<RotateResult> {
      const slot = families.get(familyId)
      if (slot === undefined) return { status: 'unknown' }
      const stored = slot.value
      if (presentedHash !== stored.current) {
        stored.revoked = true
        return { status: 'reused' }
      }
      if (stored.revoked) return { status: 'revoked' }
      stored.current = nextHash
      return { status: 'rotated', family: stored.family }
    },
    async revoke(familyId) {
      const slot = families.get(familyId)
      if (slot !== undefined) slot.value.revoked = true
    },
    async close() {
      families.clear()
    },
  }
}
