import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { Ajv } from 'ajv'
import { parseAuthorityConfig } from 'picket-authority'
import t from 'tap'
import { startDevChain } from '../../tools/devchain/index.js'
import { appRedisClient, startRedisServer } from '../support/redis-server.js'
import { SIWE_PROJECT, startTestAuthority, type TestAuthority } from './support/authority.js'
import { evmWallet, prepareEvmLogin, siweContext } from './support/wallets.js'

/**
 * Operations (issue 14, "Operable in production"): /healthz, /readyz against a real
 * redis-server and a real ganache chain that go away and come back, the readiness cache under a
 * burst of probes (upstream calls counted where they land: a counting proxy in front of the chain
 * and Redis' own command statistics), Prometheus metrics after real logins and chain reads, and
 * request ids in answers and log lines.
 */

/** A JSON-RPC proxy in front of the chain that counts the methods it forwards; it can be shut and reopened. */
async function startCountingProxy(target: string) {
  const calls = new Map<string, number>()
  const read = async (request: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await read(request)
    try {
      const parsed = JSON.parse(body) as { method?: string } | Array<{ method?: string }>
      for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
        const method = String(call.method)
        calls.set(method, (calls.get(method) ?? 0) + 1)
      }
    } catch {}
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    response.writeHead(upstream.status, { 'content-type': 'application/json' })
    response.end(await upstream.text())
  }
  let server: Server | undefined
  let port = 0
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((request, response) => {
        handler(request, response).catch(() => response.destroy())
      })
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => {
        const address = next.address()
        port = typeof address === 'object' && address ? address.port : port
        server = next
        resolve()
      })
    })
  await open()
  return {
    calls,
    get url() {
      return `http://127.0.0.1:${port}/rpc-key-s3cr3t`
    },
    get port() {
      return port
    },
    count: (method: string) => calls.get(method) ?? 0,
    open,
    async close() {
      const running = server
      server = undefined
      if (!running) return
      await new Promise<void>((resolve) => {
        running.close(() => resolve())
        // Keep-alive sockets would go on serving: the endpoint is gone for everyone at once.
        running.closeAllConnections()
      })
    },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Calls `probe` until `done` holds (or the deadline passes), answering the last result. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (done(value) || Date.now() > deadline) return value
    await sleep(250)
  }
}

const redis = await startRedisServer()
t.teardown(() => redis.stop())
const chain = await startDevChain()
t.teardown(() => chain.close())
const proxy = await startCountingProxy(chain.rpcUrl)
t.teardown(() => proxy.close())

const logLines: string[] = []
const logStream = new Writable({
  write(chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(line)
    callback()
  },
})
const authority = await startTestAuthority({
  redisUrl: redis.url,
  chains: { localhost: { rpcUrl: proxy.url } },
  rpcTimeout: 3000,
  logger: { level: 'info', stream: logStream },
})
t.teardown(() => authority.close())

const redisStats = appRedisClient(redis, t)
async function redisPings(): Promise<number> {
  const info = await redisStats.info('commandstats')
  return Number(/cmdstat_ping:calls=(\d+)/.exec(info)?.[1] ?? 0)
}

const readyz = () => authority.call('GET', 'readyz', { auth: null })
const metricsText = async (target: TestAuthority = authority, headers: Record<string, string> = {}) => {
  const response = await fetch(`${target.url}/metrics`, { headers })
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') }
}
/** Answers kept to check against the OpenAPI document at the end. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers
const answers: Array<{ path: string; status: number; body: any }> = []
const local = () => ({ chain: 'localhost', context: siweContext({ chainId: 1337 }) })

const coin = await chain.deployERC20({ decimals: 6 })
const holder = evmWallet()
await chain.mintERC20(coin, holder.address, 5_000_000n)

t.test('healthz: the process answers, no API key needed', async (t) => {
  const res = await authority.call('GET', 'healthz', { auth: null })
  t.equal(res.status, 200)
  t.same(res.body, { status: 'ok' })
  answers.push({ path: '/healthz', ...res })
  t.equal(res.headers.get('cache-control'), 'no-store')
  t.match(res.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a generated request id is echoed')
})

t.test('readyz: 200 with the signing key, redis-server and the chain answering', async (t) => {
  const res = await readyz()
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.status, 'ready')
  t.same(
    res.body.checks.map((check: { name: string }) => check.name).sort(),
    ['chain:localhost', 'redis', 'signingKey'],
    'every dependency is checked; chains without a configured rpcUrl are not',
  )
  t.ok(res.body.checks.every((check: { ok: boolean }) => check.ok))
  answers.push({ path: '/readyz', ...res })
})

t.test('readiness cache: a burst of probes makes one upstream check', async (t) => {
  await sleep(2200) // past the cache of the previous test's report
  const chainIdsBefore = proxy.count('eth_chainId')
  const pingsBefore = await redisPings()
  const burst = await Promise.all(Array.from({ length: 25 }, () => readyz()))
  t.ok(
    burst.every((res) => res.status === 200),
    'all 25 probes answered 200',
  )
  t.equal(proxy.count('eth_chainId') - chainIdsBefore, 1, 'one eth_chainId reached the chain')
  t.equal((await redisPings()) - pingsBefore, 1, 'one PING reached Redis')
  const checkedAt = new Set(burst.map((res) => res.body.checkedAt))
  t.equal(checkedAt.size, 1, 'every probe got the same report')

  const again = await Promise.all(Array.from({ length: 10 }, () => readyz()))
  t.ok(again.every((res) => res.status === 200))
  t.equal(proxy.count('eth_chainId') - chainIdsBefore, 1, 'probes within the cache time ask nothing upstream')
  t.equal((await redisPings()) - pingsBefore, 1)
})

t.test('readyz: 503 naming redis while redis-server is down, 200 once it is back', async (t) => {
  await redis.stop()
  const down = await until(readyz, (res) => res.status === 503)
  t.equal(down.status, 503, JSON.stringify(down.body))
  t.equal(down.body.status, 'unavailable')
  t.equal(down.body.code, 'service_unavailable')
  t.same(down.body.failing, ['redis'])
  t.match(down.body.msg, /redis/)
  t.match(down.headers.get('retry-after'), /^\d+$/)
  const redisCheck = down.body.checks.find((check: { name: string }) => check.name === 'redis')
  t.equal(redisCheck.ok, false)
  t.type(redisCheck.error, 'string')
  t.notMatch(JSON.stringify(down.body), String(redis.port), 'the Redis address is not published')
  answers.push({ path: '/readyz', ...down })

  await redis.start()
  const back = await until(readyz, (res) => res.status === 200)
  t.equal(back.status, 200, JSON.stringify(back.body))
})

t.test(
  'metrics: logins and refusals by cause, chain-read latency, nonce store size, HTTP durations',
  async (t) => {
    const ok = await prepareEvmLogin(authority, holder, {
      ...local(),
      requirements: { contractAddress: coin, minTokenBalance: '1' },
    })
    const success = await authority.call('POST', 'auth', { body: ok.body })
    t.equal(success.status, 200, JSON.stringify(success.body))

    const forged = await prepareEvmLogin(authority, evmWallet(), local())
    const refused = await authority.call('POST', 'auth', {
      body: { ...forged.body, signature: await evmWallet().signMessage({ message: forged.message }) },
    })
    t.equal(refused.status, 401)

    const poor = await prepareEvmLogin(authority, evmWallet(), {
      ...local(),
      requirements: { contractAddress: coin, minTokenBalance: '1' },
    })
    t.equal((await authority.call('POST', 'auth', { body: poor.body })).status, 403)

    const oauth = await authority.call('GET', 'oauth2/authorize', { auth: null })
    t.ok(oauth.status >= 400, 'an authorization request without a client is refused')

    const { status, text, type } = await metricsText()
    t.equal(status, 200)
    t.match(type, /^text\/plain; version=0\.0\.4/)
    t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="success"\} 1\n/)
    t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="signature_invalid"\} 1\n/)
    t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="permission_denied"\} 1\n/)
    t.match(
      text,
      /picket_authority_logins_total\{endpoint="oauth2_authorize",outcome="invalid_request"\} 1\n/,
    )
    const reads =
      /picket_authority_chain_rpc_duration_seconds_count\{chain="localhost",endpoint="rpc"\} (\d+)/.exec(text)
    t.ok(reads && Number(reads[1]) >= 2, `chain reads were timed (${reads?.[1]})`)
    t.match(
      text,
      /picket_authority_chain_rpc_duration_seconds_bucket\{le="0\.1",chain="localhost",endpoint="rpc"\} \d+/,
    )
    // The 403 left its nonce alive (a retry may follow); the consumed ones are gone.
    const size = /picket_authority_nonce_store_size (\d+)/.exec(text)
    t.ok(size && Number(size[1]) >= 1, `live nonces counted in Redis (${size?.[1]})`)
    t.match(
      text,
      /picket_authority_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth",status_code="200"\} 1\n/,
    )
    t.match(text, /picket_authority_dependency_up\{dependency="redis"\} 1/)
    t.notMatch(text, /rpc-key-s3cr3t/, 'no RPC URL in any label')
    t.notMatch(text, new RegExp(holder.address, 'i'), 'no wallet address in any label')
  },
)

t.test('readyz: 503 naming the chain when its RPC goes away; chain errors counted', async (t) => {
  await proxy.close()
  const down = await until(readyz, (res) => res.status === 503)
  t.equal(down.status, 503, JSON.stringify(down.body))
  t.same(down.body.failing, ['chain:localhost'])
  const check = down.body.checks.find((c: { name: string }) => c.name === 'chain:localhost')
  t.equal(check.error, 'RPC unreachable')
  t.notMatch(JSON.stringify(down.body), /rpc-key-s3cr3t|127\.0\.0\.1/, 'the RPC URL is not published')

  const login = await prepareEvmLogin(authority, holder, {
    ...local(),
    requirements: { contractAddress: coin, minTokenBalance: '1' },
  })
  const failed = await authority.call('POST', 'auth', { body: login.body })
  t.equal(failed.status, 424, JSON.stringify(failed.body))
  const { text } = await metricsText()
  t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="chain_unavailable"\} 1\n/)
  t.match(
    text,
    /picket_authority_chain_rpc_errors_total\{chain="localhost",endpoint="rpc",kind="network"\} [1-9]/,
  )
  t.match(text, /picket_authority_dependency_up\{dependency="chain:localhost"\} 0/)

  await proxy.open()
  const back = await until(readyz, (res) => res.status === 200)
  t.equal(back.status, 200, JSON.stringify(back.body))
})

t.test('readyz names a chain whose RPC port is closed, and one that answers another chain id', async (t) => {
  const closed = await startCountingProxy(chain.rpcUrl)
  await closed.close()
  const other = await startTestAuthority({
    chains: {
      localhost: { rpcUrl: proxy.url },
      base: { rpcUrl: closed.url },
      polygon: { rpcUrl: chain.rpcUrl },
    },
  })
  t.teardown(() => other.close())
  const res = await other.call('GET', 'readyz', { auth: null })
  t.equal(res.status, 503)
  t.same([...res.body.failing].sort(), ['chain:base', 'chain:polygon'])
  const polygon = res.body.checks.find((c: { name: string }) => c.name === 'chain:polygon')
  t.equal(polygon.error, 'answers chain id 1337, configured 137')
  t.notOk(
    res.body.checks.some((c: { name: string }) => c.name === 'redis'),
    'no Redis check without redisUrl',
  )
})

t.test(
  'request ids: a safe incoming x-request-id is echoed and in every log line of the request',
  async (t) => {
    const id = 'req-7f3a.b2:c'
    const forged = await prepareEvmLogin(authority, evmWallet(), local())
    const res = await authority.call('POST', 'auth', {
      body: { ...forged.body, signature: await evmWallet().signMessage({ message: forged.message }) },
      headers: { 'x-request-id': id },
    })
    t.equal(res.status, 401)
    t.equal(res.headers.get('x-request-id'), id)
    await sleep(50)
    const lines = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.reqId === id)
    t.ok(lines.length >= 3, `${lines.length} lines carry the id`)
    t.ok(
      lines.some((line) => line.code === 'signature_invalid'),
      'the refusal is logged with the request id',
    )
    t.ok(lines.some((line) => line.msg === 'request completed'))

    for (const unsafe of ['has spaces', 'x'.repeat(200), 'quote"d', '<script>']) {
      const answer = await authority.call('GET', 'healthz', {
        auth: null,
        headers: { 'x-request-id': unsafe },
      })
      const echoed = answer.headers.get('x-request-id')
      t.match(echoed, /^[0-9a-f-]{36}$/, `${unsafe.slice(0, 12)}… is replaced by a generated id`)
      t.notOk(
        logLines.some((line) => line.includes(unsafe)),
        'and never logged',
      )
    }
    const outside = await fetch(`${authority.url.replace('/api/v1', '')}/elsewhere`, {
      headers: { 'x-request-id': 'outside-1' },
    })
    t.equal(outside.headers.get('x-request-id'), 'outside-1', 'echoed outside the prefix too')
    const requestLines = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.req !== undefined || line.res !== undefined)
    t.ok(requestLines.length > 10)
    t.ok(
      requestLines.every((line) => typeof line.reqId === 'string' && line.reqId !== ''),
      'every request line has its reqId',
    )
  },
)

t.test('one registry per authority; rate-limited logins counted', async (t) => {
  const limited = await startTestAuthority({ rateLimit: { perWallet: { max: 1 } } })
  t.teardown(() => limited.close())
  const wallet = evmWallet()
  const login = await prepareEvmLogin(limited, wallet)
  const first = await limited.call('POST', 'auth', { body: login.body })
  t.equal(first.status, 200, JSON.stringify(first.body))
  const second = await limited.call('POST', 'auth', { body: login.body })
  t.equal(second.status, 429)
  const { text } = await metricsText(limited)
  t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="rate_limited"\} 1\n/)
  t.match(text, /picket_authority_logins_total\{endpoint="auth",outcome="success"\} 1\n/)
  t.notMatch(text, /outcome="permission_denied"/, "the other authority's counts are not here")
  t.match(text, /picket_authority_nonce_store_size \d+/, 'the memory store is counted too')
})

t.test('metrics exposure: bearer token, switched off, strict config', async (t) => {
  const token = 'scrape-token-0123456789'
  const guarded = await startTestAuthority({ metrics: { bearerToken: token } })
  t.teardown(() => guarded.close())
  const none = await metricsText(guarded)
  t.equal(none.status, 401)
  t.equal(JSON.parse(none.text).code, 'authentication_required')
  t.equal((await metricsText(guarded, { authorization: 'Bearer wrong-token-0123456789' })).status, 401)
  t.equal(
    (
      await metricsText(guarded, {
        authorization: `Basic ${Buffer.from(SIWE_PROJECT.secretKey).toString('base64')}`,
      })
    ).status,
    401,
    'an API key is no scrape token',
  )
  const allowed = await metricsText(guarded, { authorization: `Bearer ${token}` })
  t.equal(allowed.status, 200)
  t.match(allowed.text, /# TYPE picket_authority_logins_total counter/)

  const off = await startTestAuthority({ metrics: false })
  t.teardown(() => off.close())
  t.equal((await metricsText(off)).status, 404)
  t.equal((await off.call('GET', 'readyz', { auth: null })).status, 200, 'readyz stays')

  const base = { projects: [SIWE_PROJECT] }
  t.throws(
    () => parseAuthorityConfig({ ...base, metrics: { bearerTokn: token } }),
    { name: 'AuthorityConfigError', message: /metrics\.bearerTokn.*bearerToken/ },
    'a misspelt key is refused with the right name',
  )
  t.throws(() => parseAuthorityConfig({ ...base, metrics: { bearerToken: 'short' } }), {
    field: 'metrics.bearerToken',
    message: /at least 16/,
  })
  t.throws(() => parseAuthorityConfig({ ...base, metrics: 'yes' }), {
    name: 'AuthorityConfigError',
    message: /metrics/,
  })
  t.same(parseAuthorityConfig(base).metrics, { enabled: true })
})

t.test('healthz and readyz answers meet the OpenAPI document', async (t) => {
  const document = (await authority.call('GET', 'openapi.json', { auth: null })).body
  const ajv = new Ajv({ strict: false, allErrors: true })
  ajv.addSchema(document, 'openapi.json')
  t.equal(answers.length, 3)
  for (const { path, status, body } of answers) {
    const pointer = [
      'paths',
      path,
      'get',
      'responses',
      String(status),
      'content',
      'application/json',
      'schema',
    ]
      .map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/')
    const validate = ajv.compile({ $ref: `openapi.json#/${pointer}` })
    t.ok(validate(body), `${path} ${status} meets its schema`, { errors: validate.errors, body })
  }
  t.same(document.paths['/metrics'].get.security, [], 'documented as public')
  t.ok(document.paths['/metrics'].get.responses['200'].content['text/plain'])
})
