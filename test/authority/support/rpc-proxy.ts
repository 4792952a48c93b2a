import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RpcProxy {
  /** `http://127.0.0.1:PORT`: give this to the authority instead of the chain's own URL. */
  url: string
  /** JSON-RPC methods forwarded since the last `reset()`, one per call (batches counted per call). */
  readonly methods: string[]
  /** Requests refused while down since the last `reset()`. */
  readonly refused: number
  reset(): void
  /** While down, every request's connection is cut before an answer: the RPC is unreachable. */
  setDown(down: boolean): void
  /**
   * A failure mode instead of the chain's answer: `hang` holds every request open without a
   * byte of answer (until `setFault(undefined)` or close), `http-502` answers a gateway error,
   * `rpc-error` answers JSON-RPC -32603 as an overloaded provider does; `undefined` forwards again.
   * Requests met by a fault are counted in `refused`, not in `methods`. With `methods`, only
   * requests for those JSON-RPC methods meet the fault (e.g. a node slow on one `eth_call`).
   */
  setFault(fault: 'hang' | 'http-502' | 'rpc-error' | undefined, methods?: string[]): void
  close(): Promise<void>
}

/**
 * A loopback HTTP proxy in front of a real JSON-RPC endpoint (the dev chain) that records every
 * call the authority makes to the chain, and can play an RPC outage. Nothing is answered by it:
 * up, every body goes to the chain as is and the chain's answer comes back as is.
 */
export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const methods: string[] = []
  let refused = 0
  let down = false
  let fault: 'hang' | 'http-502' | 'rpc-error' | undefined
  let faultMethods: string[] | undefined
  const hanging = new Set<() => void>()
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (down) {
      refused++
      req.socket.destroy()
      return
    }
    const body = Buffer.concat(chunks).toString('utf8')
    const method = (() => {
      try {
        return String((JSON.parse(body) as { method?: unknown }).method)
      } catch {
        return '(unparsable)'
      }
    })()
    if (fault && (faultMethods === undefined || faultMethods.includes(method))) {
      refused++
      if (fault === 'hang') {
        // Released by setFault(undefined) or close: then the connection is cut, never answered.
        hanging.add(() => req.socket.destroy())
        return
      }
      if (fault === 'http-502') {
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway')
        return
      }
      const id = (JSON.parse(body) as { id?: unknown }).id ?? null
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'upstream overloaded' } }))
      return
    }
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[]
      for (const call of Array.isArray(parsed) ? parsed : [parsed]) methods.push(String(call.method))
    } catch {
      methods.push('(unparsable)')
    }
    const answer = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(await answer.text())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get methods() {
      return methods
    },
    get refused() {
      return refused
    },
    reset() {
      methods.length = 0
      refused = 0
    },
    setDown(value) {
      down = value
    },
    setFault(value, methods) {
      fault = value
      faultMethods = methods
      if (value !== 'hang') {
        for (const release of hanging) release()
        hanging.clear()
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const release of hanging) release()
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
