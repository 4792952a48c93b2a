import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** EIP-1193 `request`: resolves with the result or rejects with an error carrying `code`/`data`. */
export type JsonRpcRequester = (args: { method: string; params?: unknown[] }) => Promise<unknown>

export interface JsonRpcServer {
  port: number
  close(): Promise<void>
}

interface JsonRpcCall {
  id?: unknown
  method?: unknown
  params?: unknown
}

// Large enough for any contract deployment; small enough that a runaway client cannot exhaust memory.
const MAX_BODY_BYTES = 16 * 1024 * 1024

/**
 * Serves JSON-RPC over HTTP (single and batch calls) from an EIP-1193 requester.
 *
 * Why not `ganache.server()`: its uWebSockets listener does not set SO_REUSEADDR, so once any
 * client has connected, the port stays unbindable for the TCP TIME_WAIT period (60 s on Linux)
 * after close. node:http sets it, so a closed dev chain's port can be reused at once. It also
 * keeps ganache's native WebSocket module out of the process; nothing here needs WebSocket.
 */
export async function serveJsonRpc(
  request: JsonRpcRequester,
  listen: { host: string; port: number },
): Promise<JsonRpcServer> {
  const server = createServer((req, res) => {
    handle(request, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, rpcError(null, -32603, String(error)))
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections()
      }),
  }
}

async function handle(request: JsonRpcRequester, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Browser pages under test (wallet sign-in flows) call the chain directly, so allow any origin.
  res.setHeader('Access-Control-Allow-Origin', '*')
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
      'Access-Control-Max-Age': '600',
    })
    res.end()
    return
  }
  if (req.method !== 'POST') {
    send(res, 405, rpcError(null, -32600, 'JSON-RPC over HTTP takes POST'))
    return
  }

  let body: unknown
  try {
    body = JSON.parse(await readBody(req))
  } catch (error) {
    send(res, 400, rpcError(null, -32700, `Parse error: ${(error as Error).message}`))
    return
  }
  if (Array.isArray(body)) {
    if (body.length === 0) send(res, 400, rpcError(null, -32600, 'Empty batch'))
    else send(res, 200, await Promise.all(body.map((call) => answer(request, call as JsonRpcCall))))
    return
  }
  send(res, 200, await answer(request, body as JsonRpcCall))
}

async function answer(request: JsonRpcRequester, call: JsonRpcCall): Promise<object> {
  const id = call?.id ?? null
  if (typeof call?.method !== 'string') return rpcError(id, -32600, 'Invalid request: no method')
  const params = Array.isArray(call.params) ? call.params : []
  try {
    return { jsonrpc: '2.0', id, result: (await request({ method: call.method, params })) ?? null }
  } catch (error) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown }
    const text = String(message ?? error)
    // Keep ganache's code and, for reverts, the revert data: viem decodes custom errors from it.
    return rpcError(id, typeof code === 'number' ? code : codeFor(text), text, data)
  }
}

/**
 * ganache throws some errors without a code. An unknown method must read as -32601: viem probes
 * `eth_fillTransaction` before every write and stops only on "method not found". Anything else is
 * a plain server error (-32000), not -32603, which viem would retry three times with backoff.
 */
function codeFor(message: string): number {
  return /does not exist\/is not available/.test(message) ? -32601 : -32000
}

function rpcError(id: unknown, code: number, message: string, data?: unknown): object {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(payload))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new Error(`body over ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
