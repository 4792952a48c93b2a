/**
 * express-picket checks what the server author writes as strictly as the Fastify plugin, with
 * the same rules and messages: `picket()` options at any depth, `requireWallet()` gates when the
 * route is written, `picketRouter()` options. The Express spellings users know from
 * express-jwt and express-oauth2-jwt-bearer are refused with the name to use instead.
 */

import { PicketOptionsError, picket, picketRouter, requireWallet } from 'express-picket'
import Fastify from 'fastify'
import fastifyPicket from 'fastify-picket'
import t from 'tap'
import { UNRELATED_JWKS } from '../support/static-jwks.js'

const jwks = UNRELATED_JWKS
const local = { apiKey: 'k', verify: { jwks, audience: 'a' }, logger: { warn() {} } }
const PASS = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

/** The message the Fastify plugin gives for the same options (without its product prefix). */
async function fastifyMessage(options: Record<string, unknown>): Promise<string> {
  const { logger: _logger, ...shared } = options
  const app = Fastify()
  try {
    await app.register(fastifyPicket, shared as never)
    await app.ready()
  } catch (error) {
    return (error as Error).message.replace(/^fastify-picket: /, '')
  } finally {
    await app.close()
  }
  return 'accepted'
}

function expressMessage(make: () => unknown): string {
  try {
    make()
  } catch (error) {
    if (!(error instanceof PicketOptionsError)) throw error
    return error.message.replace(/^express-picket: /, '')
  }
  return 'accepted'
}

t.test('picket(): the shared options are refused with the Fastify plugin’s very messages', async (t) => {
  const cases: Record<string, unknown>[] = [
    { ...local, verify: { jwks, audience: 'a', isuer: 'http://x' } },
    { ...local, cache: { maxx: 1 } },
    { ...local, cookie: { name: 'c', secured: true } },
    { ...local, allowedDomains: ['https://example.com'] },
    { ...local, verify: { jwks, audience: 'a', algorithms: ['HS256'] } },
    { ...local, verify: { jwks: 'ftp://x/jwks.json', audience: 'a' } },
    { ...local, requirements: { contractAdress: PASS } },
    { ...local, requirements: { contractAddress: PASS, tokenIds: ['1', '01'] } },
    { ...local, chain: 'Ethereum Mainnet' },
    { ...local, realm: 'a"b' },
    { ...local, acceptTokensWithoutDomain: true },
    { ...local, isRevoked: () => false, revocationList: { isRevoked() {}, revoke() {} } },
    { ...local, apiKey: undefined },
    { apiKey: '', logger: { warn() {} } },
    { ...local, clientOptions: { timeout: 0 } },
    { ...local, jwks },
    { ...local, secretKey: 'k' },
  ]
  for (const options of cases) {
    const expected = await fastifyMessage(options)
    t.not(expected, 'accepted', `Fastify refuses ${JSON.stringify(options)}`)
    t.equal(
      expressMessage(() => picket(options as never)),
      expected,
      expected,
    )
  }
})

t.test('picket(): Express spellings are refused with the name to use', async (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...local, getToken: () => undefined }, /unknown key 'getToken' — .*'extractToken'/],
    [
      { ...local, credentialsRequired: false },
      /unknown key 'credentialsRequired' — .*requireWallet\(\{ optional: true \}\)/,
    ],
    [
      { ...local, authRequired: false },
      /unknown key 'authRequired' — .*requireWallet\(\{ optional: true \}\)/,
    ],
    [{ ...local, jwksUri: 'http://x' }, /unknown key 'jwksUri' — .*'jwks'.*verify/],
    [{ ...local, issuerBaseURL: 'http://x' }, /unknown key 'issuerBaseURL' — .*verify\.issuer/],
    [{ ...local, secret: 'x' }, /unknown key 'secret' — .*ES256/],
    [{ ...local, routes: {} }, /unknown key 'routes' — .*picketRouter/],
    [{ ...local, hook: 'onRequest' }, /unknown key 'hook' — .*requireWallet\(\) is placed/],
    [{ ...local, loger: {} }, /unknown key 'loger' — did you mean 'logger'\?/],
    [{ ...local, logger: { warn: 'loud' } }, /logger\.warn: must be a function/],
  ]
  for (const [options, message] of cases) {
    t.match(
      expressMessage(() => picket(options as never)),
      message,
    )
  }
})

t.test('requireWallet(): the gate is checked when the route is written', async (t) => {
  const cases: [unknown, RegExp][] = [
    [
      { requirments: { contractAddress: PASS } },
      /requireWallet\(\): unknown key 'requirments' — did you mean 'requirements'\?/,
    ],
    [{ contractAddress: PASS }, /requireWallet\(\): unknown key 'contractAddress'.*inside 'requirements'/],
    [{ requirements: { contractAddress: '0x5FbDB2315678afecb367f032d93f642f64180aa3' } }, /checksum/],
    [{ revalidate: true }, /revalidate: needs requirements/],
    [{ optional: 'yes' }, /requireWallet\(\)\.optional: must be true or false/],
    [false, /requireWallet\(false\): gates nothing/],
    [{ optional: undefined }, /requireWallet\(\)\.optional: is undefined/],
    ['true', /must be true, false or/],
  ]
  for (const [gate, message] of cases) {
    t.match(
      expressMessage(() => requireWallet(gate as never)),
      message,
      JSON.stringify(gate),
    )
  }
  t.doesNotThrow(() => requireWallet({ requirements: { contractAddress: PASS } }))
  t.doesNotThrow(
    () => requireWallet({ requirements: { collection: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v' } }),
    'a Solana gate is checked as Solana before the app’s chain is known',
  )
})

t.test('picketRouter(): its options are checked where they are written', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ maxMessageAg: 10 }, /picketRouter\(\): unknown key 'maxMessageAg' — did you mean 'maxMessageAge'\?/],
    [{ prefix: '/auth' }, /unknown key 'prefix' — is where you mount the router/],
    [{ allowedDomains: ['a'] }, /unknown key 'allowedDomains' — belongs in picket\(options\)/],
    [{ rateLimit: { perIp: { max: 0 } } }, /picketRouter\(\)\.rateLimit\.perIp\.max: must be an integer/],
    [{ rateLimit: { redis: {} } }, /rateLimit\.redis: is not supported by express-picket yet/],
    [{ maxMessageAge: undefined }, /maxMessageAge: is undefined/],
  ]
  for (const [options, message] of cases) {
    t.match(
      expressMessage(() => picketRouter(options as never)),
      message,
    )
  }
})

t.test(
  'picket(): loggers are taken as they come (console, class instances); no options is named',
  async (t) => {
    class ClassLogger {
      lines: string[] = []
      warn(message: string) {
        this.lines.push(message)
      }
    }
    const logger = new ClassLogger()
    const { logger: _quiet, ...withoutLogger } = local
    t.doesNotThrow(() => picket({ ...withoutLogger, logger: console }).close(), 'console')
    picket({ ...withoutLogger, logger }).close()
    t.match(
      logger.lines.join('\n'),
      /no allowedDomains/,
      "a class instance's methods (on its prototype) are used",
    )
    t.match(
      expressMessage(() => picket(undefined as never)),
      /^picket\(\): needs its options/,
    )
  },
)

t.test('a gate with an undefined value is refused in Fastify too (config.picket)', async (t) => {
  const app = Fastify()
  await app.register(fastifyPicket, { apiKey: 'k', verify: { jwks, audience: 'a' } })
  t.throws(
    () => app.get('/x', { config: { picket: { optional: undefined } } }, async () => ({})),
    /config\.picket\.optional of GET \/x: is undefined/,
  )
  await app.close()
})
