import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RpcProxy {
  /** `http://127.0.0.1:PORT`: give this to the authority instead of the chain's own URL. */
  url: string
  /** JSON-RPC methods forwarded since the last `reset()`, one per call (batches counted per call). */
  readonly methods: string[]
  /**
   * The HTTP requests forwarded since the last `reset()`, one entry per POST: the JSON-RPC
   * methods it carried (several for a JSON-RPC batch), with the params of each call.
   */
  readonly posts: { methods: string[]; params: unknown[] }[]
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
  const posts: { methods: string[]; params: unknown[] }[] = []
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
    // The methods of the request: one, or those of a JSON-RPC batch (which meets a fault when
    // any of its calls does).
    const requested = (() => {
      try {
        const parsed = JSON.parse(body) as { method?: unknown } | { method?: unknown }[]
        return (Array.isArray(parsed) ? parsed : [parsed]).map((call) => String(call.method))
      } catch {
        return ['(unparsable)']
      }
    })()
    if (fault && (faultMethods === undefined || requested.some((method) => faultMethods!.includes(method)))) {
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
      const parsed = JSON.parse(body) as { id?: unknown } | { id?: unknown }[]
      const overloaded = (call: { id?: unknown }) => ({
        jsonrpc: '2.0',
        id: call.id ?? null,
        error: { code: -32603, message: 'upstream overloaded' },
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(overloaded) : overloaded(parsed)))
      return
    }
    try {
      const parsed = JSON.parse(body) as
        | { method?: string; params?: unknown }
        | { method?: string; params?: unknown }[]
      const calls = Array.isArray(parsed) ? parsed : [parsed]
      for (const call of calls) methods.push(String(call.method))
      posts.push({
        methods: calls.map((call) => String(call.method)),
        params: calls.map((call) => call.params),
      })
    } catch {
      methods.push('(unparsable)')
      posts.push({ methods: ['(unparsable)'], params: [] })
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
    get posts() {
      return posts
    },
    get refused() {
      return refused
    },
    reset() {
      methods.length = 0
      posts.length = 0
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
