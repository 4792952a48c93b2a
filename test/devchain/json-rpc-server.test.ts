import t from 'tap'
import { type JsonRpcRequester, serveJsonRpc } from '../../tools/devchain/json-rpc-server.js'

// A stand-in for ganache: answers eth_chainId, reverts eth_call with data, and fails like ganache
// (no code) on anything else.
const requester: JsonRpcRequester = async ({ method }) => {
  if (method === 'eth_chainId') return '0x539'
  if (method === 'eth_call')
    throw Object.assign(new Error('execution reverted'), { code: -32000, data: '0x2a' })
  throw new Error(`The method ${method} does not exist/is not available`)
}

const server = await serveJsonRpc(requester, { host: '127.0.0.1', port: 0 })
t.teardown(() => server.close())
const url = `http://127.0.0.1:${server.port}`

async function post(body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: res.status, json: await res.json() }
}

t.test('answers a single call', async (t) => {
  t.same(await post('{"jsonrpc":"2.0","id":7,"method":"eth_chainId","params":[]}'), {
    status: 200,
    json: { jsonrpc: '2.0', id: 7, result: '0x539' },
  })
})

t.test('keeps error code and revert data', async (t) => {
  const { json } = await post('{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[]}')
  t.same(json, {
    jsonrpc: '2.0',
    id: 1,
    error: { code: -32000, message: 'execution reverted', data: '0x2a' },
  })
})

t.test('an unknown method is -32601 so clients stop probing it', async (t) => {
  const { json } = await post('{"jsonrpc":"2.0","id":2,"method":"eth_fillTransaction","params":[]}')
  t.match(json, { id: 2, error: { code: -32601 } })
})

t.test('answers a batch in order', async (t) => {
  const { json } = await post(
    '[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"}]',
  )
  t.match(json, [
    { id: 1, result: '0x539' },
    { id: 2, error: { code: -32601 } },
  ])
})

t.test('rejects malformed requests', async (t) => {
  t.match(await post('{not json'), { status: 400, json: { id: null, error: { code: -32700 } } })
  t.match(await post('[]'), { status: 400, json: { error: { code: -32600 } } })
  t.match(await post('{"id":3}'), { status: 200, json: { id: 3, error: { code: -32600 } } })
  const get = await fetch(url)
  t.equal(get.status, 405)
})

t.test('answers CORS preflight for browser pages', async (t) => {
  const res = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3000', 'access-control-request-headers': 'content-type' },
  })
  t.equal(res.status, 204)
  t.equal(res.headers.get('access-control-allow-origin'), '*')
  t.equal(res.headers.get('access-control-allow-headers'), 'content-type')
})
