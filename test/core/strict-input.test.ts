/** Core's strict-input helpers: one wording for the plugin, the client and the authority. */

import {
  absoluteUrl,
  type ConfigErrorFactory,
  expectObject,
  expectRecord,
  httpUrl,
  optionalInteger,
  optionalObject,
  refuseUnknownKeys,
  requiredInteger,
} from 'picket-core'
import t from 'tap'

const fail: ConfigErrorFactory = (path, problem) => new Error(`${path}: ${problem}`)

t.test('refuseUnknownKeys names the object by default, or the key itself', async (t) => {
  const known = { keys: ['issuer', 'audience'], elsewhere: { jwks: 'belongs in verify' } }
  t.throws(() => refuseUnknownKeys({ isuer: 1 }, known, 'verify', fail), {
    message: "verify: unknown key 'isuer' — did you mean 'issuer'?",
  })
  t.throws(() => refuseUnknownKeys({ isuer: 1 }, known, '', fail), {
    message: "options: unknown key 'isuer' — did you mean 'issuer'?",
  })
  t.throws(() => refuseUnknownKeys({ isuer: 1 }, known, 'verify', fail, 'key'), {
    message: "verify.isuer: is not a known key — did you mean 'issuer'?",
  })
  t.throws(() => refuseUnknownKeys({ isuer: 1 }, known, '', fail, 'key'), {
    message: "isuer: is not a known key — did you mean 'issuer'?",
  })
  t.throws(() => refuseUnknownKeys({ jwks: 1 }, known, 'p[0]', fail, 'key'), {
    message: 'p[0].jwks: is not a known key — belongs in verify',
  })
  t.throws(() => refuseUnknownKeys({ zzz: 1 }, known, 'p', fail, 'key'), {
    message: 'p.zzz: is not a known key (it takes: issuer, audience)',
  })
  t.doesNotThrow(() => refuseUnknownKeys({ issuer: 1 }, known, 'p', fail, 'key'))
})

t.test('expectObject takes any non-array object; expectRecord only plain ones', async (t) => {
  class Box {
    a = 1
  }
  const box = new Box()
  t.equal(expectObject(box, 'x', fail), box, 'returned as is')
  t.throws(() => expectRecord(box, 'x', fail), {
    message: 'x: must be a plain object (an object), got an instance of Box',
  })
  t.throws(() => expectObject([], 'x', fail), { message: 'x: must be an object, got an array' })
  t.throws(() => expectObject(null, 'body', fail, 'a JSON object'), {
    message: 'body: must be a JSON object, got null',
  })
  t.throws(() => expectRecord('s', 'x', fail), { message: 'x: must be an object, got "s"' }, 'same wording')
  t.equal(optionalObject(undefined, 'x', fail), undefined)
  t.throws(() => optionalObject(null, 'x', fail), { message: 'x: must be an object, got null' })
})

t.test('requiredInteger / optionalInteger: bounds, absence, wording', async (t) => {
  t.equal(requiredInteger(5, 'n', fail, { min: 1, max: 10 }), 5)
  t.equal(requiredInteger(Number.MAX_SAFE_INTEGER, 'n', fail, { min: 1 }), Number.MAX_SAFE_INTEGER)
  t.throws(() => requiredInteger(undefined, 'n', fail, { min: 1, max: 10 }), {
    message: 'n: is required: an integer between 1 and 10',
  })
  t.throws(() => requiredInteger(0, 'n', fail, { min: 1 }), { message: 'n: must be an integer ≥ 1, got 0' })
  t.throws(() => requiredInteger(2 ** 53, 'n', fail, { min: 1 }), { message: /must be an integer ≥ 1/ })
  t.throws(() => requiredInteger(1.5, 'n', fail, { min: 1, max: 10 }), {
    message: 'n: must be an integer between 1 and 10, got 1.5',
  })
  t.throws(() => requiredInteger('3', 'n', fail, { min: 1 }), {
    message: 'n: must be an integer ≥ 1, got "3"',
  })
  t.equal(optionalInteger(undefined, 'n', fail, { min: 1, fallback: 7 }), 7)
  t.equal(optionalInteger(3, 'n', fail, { min: 1, fallback: 7 }), 3)
  t.throws(() => optionalInteger(11, 'n', fail, { min: 1, max: 10, fallback: 7 }), {
    message: 'n: must be an integer between 1 and 10, got 11',
  })
})

t.test('absoluteUrl checks the scheme against a list; httpUrl is its http(s) case', async (t) => {
  const redis = ['redis:', 'rediss:']
  t.equal(absoluteUrl('rediss://cache:6380', 'redisUrl', fail, redis).host, 'cache:6380')
  t.throws(() => absoluteUrl('localhost:6379', 'redisUrl', fail, redis), {
    message: 'redisUrl: must be an absolute redis(s) URL, got "localhost:6379"',
  })
  t.throws(() => absoluteUrl('http://x', 'redisUrl', fail, redis), {
    message: "redisUrl: must be a redis(s) URL, got the scheme 'http'",
  })
  t.throws(() => absoluteUrl('http://x', 'u', fail, ['ws:', 'wss:', 'unix:']), {
    message: "u: must be a ws or wss or unix URL, got the scheme 'http'",
  })
  t.equal(httpUrl(new URL('https://x/a'), 'u', fail).href, 'https://x/a')
  t.throws(() => httpUrl('ftp://x', 'u', fail), {
    message: "u: must be an http(s) URL, got the scheme 'ftp'",
  })
  t.throws(() => httpUrl(5, 'u', fail), { message: 'u: must be an absolute http(s) URL, got 5' })
})
