import { Redis } from 'ioredis'
import {
  type CodeGrant,
  type CodeStore,
  GrantStoreFullError,
  type RefreshFamily,
  type RotateResult,
  type SessionStore,
} from './grant-stores.js'
import { codeTtlMs, familyExpiresAtMs, grantStoreBound, grantStoreRetryAfter } from './memory-grant-stores.js'

export interface RedisGrantStoreOptions {
  /** `redis://…` URL (the store owns and closes that client), or an existing client (not closed). */
  redis: string | Redis
  /** Prefix of every key (default `picket:`): codes live under `oauth:code:`, families under `oauth:family:`. */
  keyPrefix?: string
  /** Live entries at most under this prefix (default 100 000); beyond it new ones are refused. */
  maxEntries?: number
  /**
   * Connection errors of a client this store created (it keeps reconnecting meanwhile), and
   * malformed stored values (treated as absent).
   */
  onError?: (error: Error) => void
}

// Layout. A code is a hash { grant: JSON, redeemedBy? } expiring with the code; a family is a hash
// { family: JSON, current: token hash, revoked: '0' | '1' } expiring at the family's `expiresAt`.
// Each kind has a sorted set of its keys scored by expiry time (ms), so that the bound is checked
// with bounded work whatever else the keyspace holds. Every mutation is one Lua script: atomic
// across any number of authority instances sharing the Redis.

/**
 * Prelude of both inserting scripts (KEYS[1] entry, KEYS[2] index, ARGV[2] bound; `nowMs` is the
 * server clock). `admit` drops expired index members, then refuses a key not yet indexed when the
 * index holds the bound: {0, ms until the oldest live entry expires}; nil admits. `index` records
 * the entry's expiry and keeps the index itself alive until its last entry expires.
 */
const ADMIT = `
local function admit(nowMs)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs)
  if redis.call('ZSCORE', KEYS[2], KEYS[1]) then return nil end
  if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[2]) then return nil end
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, math.max(0, tonumber(oldest[2]) - nowMs)}
end
local function index(at)
  redis.call('ZADD', KEYS[2], at, KEYS[1])
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[2], last[2])
end
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

/** Put a code: ARGV[1] TTL (ms), ARGV[2] bound, ARGV[3] grant JSON. Replaces a record under the same id. */
const PUT_CODE_SCRIPT = `${ADMIT}
local refused = admit(nowMs)
if refused then return refused end
local at = nowMs + tonumber(ARGV[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'grant', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], at)
index(at)
return {1, 0}`

/**
 * Redeem a code: set redeemedBy only if absent (HSETNX: one winner; a field write keeps the key's
 * TTL). An absent or malformed record is not redeemable (0).
 */
const REDEEM_CODE_SCRIPT = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local grant = redis.call('HGET', KEYS[1], 'grant')
if not grant or not pcall(cjson.decode, grant) then return 0 end
return redis.call('HSETNX', KEYS[1], 'redeemedBy', ARGV[1])`

/**
 * Create a family: ARGV[1] expiresAt (ms), ARGV[2] bound, ARGV[3] family JSON, ARGV[4] token hash.
 * A family already over is not stored. Replaces a record under the same id.
 */
const CREATE_FAMILY_SCRIPT = `${ADMIT}
if tonumber(ARGV[1]) <= nowMs then
  redis.call('DEL', KEYS[1])
  return {1, 0}
end
local refused = admit(nowMs)
if refused then return refused end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'family', ARGV[3], 'current', ARGV[4], 'revoked', '0')
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
index(ARGV[1])
return {1, 0}`

/**
 * Rotate: ARGV[1] presented hash, ARGV[2] next hash. Compare-and-swap of 'current'; any other
 * hash revokes the family ('reused', also when it was revoked already); the current hash of a
 * revoked family is 'revoked'. Field writes keep the key's expiry. 'malformed' changes nothing.
 */
const ROTATE_SCRIPT = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return {'unknown'} end
if kind ~= 'hash' then return {'malformed'} end
local v = redis.call('HMGET', KEYS[1], 'family', 'current', 'revoked')
if not v[1] or not v[2] or not pcall(cjson.decode, v[1]) then return {'malformed'} end
if v[2] ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return {'reused'}
end
if v[3] ~= '0' then return {'revoked'} end
redis.call('HSET', KEYS[1], 'current', ARGV[2])
return {'rotated', v[1]}`

/** Revoke: flag only (the record stays until its expiry, so a later reuse is still recognised). */
const REVOKE_SCRIPT = `
if redis.call('TYPE', KEYS[1]).ok == 'hash' then redis.call('HSET', KEYS[1], 'revoked', '1') end
return 1`

type Inserted = [number, number]

type ScriptedRedis = Redis & {
  picketPutCode(key: string, index: string, ttlMs: number, max: number, grant: string): Promise<Inserted>
  picketRedeemCode(key: string, familyId: string): Promise<number>
  picketCreateFamily(
    key: string,
    index: string,
    expiresAtMs: number,
    max: number,
    family: string,
    tokenHash: string,
  ): Promise<Inserted>
  picketRotateFamily(key: string, presented: string, next: string): Promise<[string, string?]>
  picketRevokeFamily(key: string): Promise<number>
}

interface SharedClient {
  readonly client: ScriptedRedis
  /**
   * One store's hold on the client: its close. The last close of an owned client closes it; a
   * passed client is never closed. Closing a store twice counts once.
   */
  lease(): () => Promise<void>
}

function defineScripts(client: Redis): ScriptedRedis {
  // Idempotent: stores sharing one client define the same commands.
  client.defineCommand('picketPutCode', { numberOfKeys: 2, lua: PUT_CODE_SCRIPT })
  client.defineCommand('picketRedeemCode', { numberOfKeys: 1, lua: REDEEM_CODE_SCRIPT })
  client.defineCommand('picketCreateFamily', { numberOfKeys: 2, lua: CREATE_FAMILY_SCRIPT })
  client.defineCommand('picketRotateFamily', { numberOfKeys: 1, lua: ROTATE_SCRIPT })
  client.defineCommand('picketRevokeFamily', { numberOfKeys: 1, lua: REVOKE_SCRIPT })
  return client as ScriptedRedis
}

/** The client of `options`, shared by the stores that lease it. */
function sharedClient(options: RedisGrantStoreOptions): SharedClient {
  // Bad options throw before a client is made (and left open).
  grantStoreBound(options.maxEntries)
  if (typeof options.redis !== 'string') {
    const client = defineScripts(options.redis)
    return { client, lease: () => async () => {} }
  }
  const client = defineScripts(new Redis(options.redis, { maxRetriesPerRequest: 1, connectTimeout: 5000 }))
  // Without a listener ioredis reports every reconnect attempt as an unhandled error event.
  // Failed commands still reject (fail closed), and the routes answer 503 for them.
  client.on('error', (error: Error) => options.onError?.(error))
  let holders = 0
  return {
    client,
    lease() {
      holders += 1
      let released = false
      return async () => {
        if (released) return
        released = true
        holders -= 1
        if (holders !== 0) return
        // QUIT would wait in the offline queue of a client that never connected.
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
        else client.disconnect()
      }
    },
  }
}

function prefixOf(options: RedisGrantStoreOptions): string {
  return options.keyPrefix ?? 'picket:'
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

/** Parses JSON that must be an object with the given string/number/array/object members. */
function parseRecord(json: string | null | undefined, shape: Record<string, string>): unknown {
  if (typeof json !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  if (!isObject(value)) return undefined
  for (const [key, type] of Object.entries(shape)) {
    const member = value[key]
    const ok =
      type === 'string[]'
        ? isStringArray(member)
        : type === 'object'
          ? isObject(member)
          : type === 'string?'
            ? member === undefined || typeof member === 'string'
            : type === 'boolean?'
              ? member === undefined || typeof member === 'boolean'
              : typeof member === type
    if (!ok) return undefined
  }
  return value
}

const CODE_GRANT_SHAPE = {
  projectId: 'string',
  clientId: 'string',
  redirectUri: 'string',
  codeChallenge: 'string',
  scope: 'string[]',
  nonce: 'string?',
  authTime: 'number',
  user: 'object',
  extensions: 'object',
  requirements: 'object',
}

const FAMILY_SHAPE = {
  id: 'string',
  projectId: 'string',
  clientId: 'string',
  scope: 'string[]',
  chain: 'string',
  walletAddress: 'string',
  requirements: 'object',
  authTime: 'number',
  expiresAt: 'number',
  extensions: 'object',
  confidential: 'boolean?',
}

const isWrongType = (error: unknown): boolean => error instanceof Error && /^WRONGTYPE/.test(error.message)

/** Authorization codes shared by every authority instance pointing at the same Redis. */
export function createRedisCodeStore(options: RedisGrantStoreOptions): CodeStore {
  return codeStoreOn(sharedClient(options), options)
}

function codeStoreOn({ client, lease }: SharedClient, options: RedisGrantStoreOptions): CodeStore {
  const close = lease()
  const prefix = `${prefixOf(options)}oauth:code:`
  const index = `${prefixOf(options)}oauth:code-index`
  const max = grantStoreBound(options.maxEntries)
  const malformed = (key: string) => {
    options.onError?.(new Error(`malformed authorization code record at ${key}: treated as absent`))
    return undefined
  }
  return {
    async put(id, grant, ttlSeconds) {
      const ttl = codeTtlMs(ttlSeconds)
      const [stored, msUntilFree] = await client.picketPutCode(
        prefix + id,
        index,
        ttl,
        max,
        JSON.stringify(grant),
      )
      if (stored !== 1) throw new GrantStoreFullError('authorization code', grantStoreRetryAfter(msUntilFree))
    },
    async get(id) {
      const key = prefix + id
      let fields: Array<string | null>
      try {
        fields = await client.hmget(key, 'grant', 'redeemedBy')
      } catch (error) {
        if (isWrongType(error)) return malformed(key)
        throw error
      }
      const [json, redeemedBy] = fields
      if (json === null || json === undefined) return redeemedBy ? malformed(key) : undefined
      const grant = parseRecord(json, CODE_GRANT_SHAPE) as CodeGrant | undefined
      if (grant === undefined) return malformed(key)
      return typeof redeemedBy === 'string' ? { grant, redeemedBy } : { grant }
    },
    async redeem(id, familyId) {
      return (await client.picketRedeemCode(prefix + id, familyId)) === 1
    },
    close,
  }
}

/** Refresh-token families shared by every authority instance pointing at the same Redis. */
export function createRedisSessionStore(options: RedisGrantStoreOptions): SessionStore {
  return sessionStoreOn(sharedClient(options), options)
}

function sessionStoreOn({ client, lease }: SharedClient, options: RedisGrantStoreOptions): SessionStore {
  const close = lease()
  const prefix = `${prefixOf(options)}oauth:family:`
  const index = `${prefixOf(options)}oauth:family-index`
  const max = grantStoreBound(options.maxEntries)
  const malformed = (key: string) => {
    options.onError?.(new Error(`malformed OAuth session record at ${key}: treated as absent`))
    return undefined
  }
  return {
    async create(family, tokenHash) {
      const [stored, msUntilFree] = await client.picketCreateFamily(
        prefix + family.id,
        index,
        familyExpiresAtMs(family),
        max,
        JSON.stringify(family),
        tokenHash,
      )
      if (stored !== 1) throw new GrantStoreFullError('session', grantStoreRetryAfter(msUntilFree))
    },
    async get(familyId) {
      const key = prefix + familyId
      let fields: Array<string | null>
      try {
        fields = await client.hmget(key, 'family', 'current', 'revoked')
      } catch (error) {
        if (isWrongType(error)) return malformed(key)
        throw error
      }
      const [json, current, revoked] = fields
      if (json == null && current == null && revoked == null) return undefined
      const family = parseRecord(json, FAMILY_SHAPE) as RefreshFamily | undefined
      if (family === undefined || typeof current !== 'string') return malformed(key)
      // Anything but an explicit '0' reads as revoked: fail closed.
      return { family, current, revoked: revoked !== '0' }
    },
    async rotate(familyId, presentedHash, nextHash): Promise<RotateResult> {
      const key = prefix + familyId
      const [status, json] = await client.picketRotateFamily(key, presentedHash, nextHash)
      switch (status) {
        case 'rotated': {
          const family = parseRecord(json, FAMILY_SHAPE) as RefreshFamily | undefined
          if (family === undefined) {
            malformed(key)
            return { status: 'unknown' }
          }
          return { status: 'rotated', family }
        }
        case 'reused':
        case 'revoked':
        case 'unknown':
          return { status }
        default:
          malformed(key)
          return { status: 'unknown' }
      }
    },
    async revoke(familyId) {
      await client.picketRevokeFamily(prefix + familyId)
    },
    close,
  }
}

/**
 * Both stores on one client: the client of `options.redis`, or one client made from the URL and
 * closed once both stores are closed.
 */
export function createRedisGrantStores(options: RedisGrantStoreOptions): {
  codes: CodeStore
  sessions: SessionStore
} {
  const shared = sharedClient(options)
  return { codes: codeStoreOn(shared, options), sessions: sessionStoreOn(shared, options) }
}
