import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuthorityConfigError, parseAuthorityConfig, startAuthority } from 'picket-authority'
import t from 'tap'
import { loadSigningKey } from '../../packages/authority/src/tokens/signing-key.js'

const project = { id: 'p1', publishableKey: 'pk_1', secretKey: 'sk_1', allowedDomains: ['localhost:3000'] }

t.test('defaults: siwe format, statement from the name, 12 h tokens, 120 s nonces', async (t) => {
  const config = parseAuthorityConfig({ projects: [{ ...project, name: 'Shop' }] })
  t.match(config.projects[0], { format: 'siwe', statement: 'Sign in to Shop', tokenTTL: 43200 })
  t.equal(config.nonceTTL, 120)
  t.same(config.chains, {})
})

t.test('invalid config fails with a message naming the field', async (t) => {
  const cases: Array<[unknown, string]> = [
    [null, '(root)'],
    [{}, 'projects'],
    [{ projects: [] }, 'projects'],
    [{ projects: [{ ...project, id: '' }] }, 'projects[0].id'],
    [{ projects: [{ ...project, secretKey: undefined }] }, 'projects[0].secretKey'],
    [{ projects: [{ ...project, secretKey: 'pk_1' }] }, 'projects[0].secretKey'],
    [{ projects: [{ ...project, format: 'eip4361' }] }, 'projects[0].format'],
    [{ projects: [{ ...project, statement: 'two\nlines' }] }, 'projects[0].statement'],
    [{ projects: [{ ...project, allowedDomains: 'localhost' }] }, 'projects[0].allowedDomains'],
    [{ projects: [{ ...project, allowedDomains: undefined }] }, 'projects[0].allowedDomains'],
    [{ projects: [{ ...project, allowedDomains: [] }] }, 'projects[0].allowedDomains'],
    [{ projects: [project], rateLimit: { perIp: { max: 0 } } }, 'rateLimit.perIp.max'],
    [{ projects: [project], rateLimit: { perWallet: { max: 1, window: 60 } } }, 'rateLimit.perWallet.window'],
    [{ projects: [{ ...project, allowedDomains: ['https://x.com/'] }] }, 'projects[0].allowedDomains[0]'],
    [{ projects: [{ ...project, tokenTTL: 43_200_000 }] }, 'projects[0].tokenTTL'],
    [{ projects: [{ ...project, tokenTtl: 60 }] }, 'projects[0].tokenTtl'],
    [{ projects: [project, { ...project, publishableKey: 'pk_2', secretKey: 'sk_2' }] }, 'projects[1].id'],
    [{ projects: [project, { ...project, id: 'p2', secretKey: 'sk_2' }] }, 'projects[1].publishableKey'],
    [{ projects: [project], redisUrl: 'localhost:6379' }, 'redisUrl'],
    [{ projects: [project], issuer: 'picketapi.com' }, 'issuer'],
    [{ projects: [project], signingKey: { kty: 'RSA' } }, 'signingKey'],
    [{ projects: [project], signingKey: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' } }, 'signingKey.d'],
    [{ projects: [project], chains: { localhost: { rpcUrl: 'ws://x' } } }, 'chains.localhost.rpcUrl'],
    [{ projects: [project], chains: { localhost: { chainId: -1 } } }, 'chains.localhost.chainId'],
    [{ projects: [project], chains: { localhost: { rpc: 'http://x' } } }, 'chains.localhost.rpc'],
    [{ projects: [project], nonceTTL: 0 }, 'nonceTTL'],
    [
      { projects: [project], chains: { localhost: { rpcUrl: 'http://a', rpcUrls: ['http://b'] } } },
      'chains.localhost.rpcUrls',
    ],
    [{ projects: [project], chains: { localhost: { rpcUrls: [] } } }, 'chains.localhost.rpcUrls'],
    [{ projects: [project], chains: { localhost: { rpcUrls: 'http://a' } } }, 'chains.localhost.rpcUrls'],
    [
      { projects: [project], chains: { localhost: { rpcUrls: ['http://a', 'ftp://b'] } } },
      'chains.localhost.rpcUrls[1]',
    ],
    [
      { projects: [project], chains: { localhost: { rpcUrls: ['http://a', 'http://a'] } } },
      'chains.localhost.rpcUrls[1]',
    ],
    [{ projects: [project], chainReads: { breakerFailures: 0 } }, 'chainReads.breakerFailures'],
    [{ projects: [project], chainReads: { balanceCacheSeconds: 3600 } }, 'chainReads.balanceCacheSeconds'],
    [{ projects: [project], chainReads: { cacheSeconds: 5 } }, 'chainReads.cacheSeconds'],
    [{ projects: [project], issuer: 42 }, 'issuer'],
  ]
  for (const [input, field] of cases) {
    let thrown: unknown
    try {
      parseAuthorityConfig(input)
    } catch (error) {
      thrown = error
    }
    t.ok(thrown instanceof AuthorityConfigError, field)
    t.equal((thrown as AuthorityConfigError).field, field)
    t.match((thrown as Error).message, field)
  }
})

t.test("messages use core's strict-input wording: the value given, did-you-mean for keys", async (t) => {
  const cases: Array<[unknown, string]> = [
    [
      { projects: [{ ...project, tokenTtl: 60 }] },
      "projects[0].tokenTtl is not a known key — did you mean 'tokenTTL'?",
    ],
    [{ projects: [project], isuer: 'http://x' }, "isuer is not a known key — did you mean 'issuer'?"],
    [
      { projects: [project], chains: { localhost: { zzz: 1 } } },
      'chains.localhost.zzz is not a known key (it takes: rpcUrl, rpcUrls, chainId, dasUrl)',
    ],
    [
      { projects: [project], chainReads: { breakerFailure: 5 } },
      "chainReads.breakerFailure is not a known key — did you mean 'breakerFailures'?",
    ],
    [null, '(root) must be a JSON object, got null'],
    [{ projects: [{ ...project, id: 42 }] }, 'projects[0].id must be a non-empty string, got 42'],
    [
      { projects: [{ ...project, secretKey: undefined }] },
      'projects[0].secretKey is required: a non-empty string',
    ],
    [
      { projects: [{ ...project, format: 'eip4361' }] },
      `projects[0].format must be one of 'siwe', 'simple', got "eip4361"`,
    ],
    [
      { projects: [{ ...project, format: null }] },
      `projects[0].format must be one of 'siwe', 'simple', got null`,
    ],
    [
      { projects: [{ ...project, tokenTTL: 43_200_000 }] },
      'projects[0].tokenTTL must be an integer between 1 and 2592000, got 43200000',
    ],
    [
      { projects: [project], rateLimit: { perIp: {} } },
      'rateLimit.perIp.max is required: an integer between 1 and 1000000',
    ],
    [
      { projects: [project], chains: { localhost: { chainId: -1 } } },
      'chains.localhost.chainId must be an integer ≥ 1, got -1',
    ],
    [
      { projects: [project], redisUrl: 'localhost:6379' },
      'redisUrl must be an absolute redis(s) URL, got "localhost:6379"',
    ],
    [{ projects: [project], redisUrl: 'http://x' }, "redisUrl must be a redis(s) URL, got the scheme 'http'"],
    [{ projects: [project], issuer: 'ftp://x' }, "issuer must be an http(s) URL, got the scheme 'ftp'"],
    [{ projects: [project], issuer: 42 }, 'issuer must be a non-empty string, got 42'],
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseAuthorityConfig(input), { message: `Invalid authority config: ${message}` }, message)
  }
})

t.test('URLs are kept as written; undefined values still count as absent', async (t) => {
  const config = parseAuthorityConfig({
    projects: [project],
    issuer: 'https://Auth.Example.com/api/v1/',
    redisUrl: 'rediss://cache:6380',
    chains: { localhost: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337 } },
    signingKeyFile: undefined,
  })
  t.equal(config.issuer, 'https://Auth.Example.com/api/v1')
  t.equal(config.redisUrl, 'rediss://cache:6380')
  t.same(config.chains, { localhost: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337 } })
  t.notOk('signingKeyFile' in config)
})

t.test('startAuthority rejects an invalid config before listening', async (t) => {
  await t.rejects(startAuthority({ port: 0, projects: [{ ...project, format: 'x' as 'siwe' }] }), {
    name: 'AuthorityConfigError',
    field: 'projects[0].format',
  })
})

t.test(
  'signing key: generated into signingKeyFile once (0600, warning), then reused; kid = thumbprint',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'picket-key-'))
    const file = join(dir, 'nested', 'key.json')
    const warnings: string[] = []
    const first = await loadSigningKey({ file, warn: (m) => warnings.push(m) })
    t.equal(warnings.length, 1)
    t.match(warnings[0], /Generated a new ES256 signing key/)
    t.equal((await stat(file)).mode & 0o777, 0o600)
    const second = await loadSigningKey({ file, warn: (m) => warnings.push(m) })
    t.equal(warnings.length, 1, 'no warning when the file exists')
    t.equal(second.kid, first.kid)
    t.same(second.publicJwk, first.publicJwk)
    t.match(first.kid, /^[A-Za-z0-9_-]{43}$/)
    t.notOk('d' in first.publicJwk, 'the JWKS never carries the private part')
    const jwk = JSON.parse(await readFile(file, 'utf8'))
    const fromConfig = await loadSigningKey({ jwk, warn: (m) => warnings.push(m) })
    t.equal(fromConfig.kid, first.kid)
  },
)
