/**
 * A loopback TCP proxy in front of a real dependency (the authority, a chain RPC, a JWKS
 * server) whose behaviour a test switches at run time: pass bytes through, refuse connections
 * (the dependency is down), or accept and never answer (the dependency hangs). Unlike pointing a
 * client at a different URL, the dependency's address stays the same, so a test can watch a
 * component fail and then recover once the dependency is back.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export type FaultMode = 'pass' | 'refuse' | 'hang' | 'slow'

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly port: number
  /** Connections accepted so far (any mode). */
  readonly connections: number
  /**
   * Switches mode. Open connections are dropped so keep-alive sockets see the change too; the
   * promise settles a moment later, once clients have seen those connections close (otherwise
   * a client may write its next request into a socket whose FIN is still in flight).
   */
  set(mode: FaultMode, options?: { delayMs?: number }): Promise<void>
  close(): Promise<void>
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: FaultMode = 'pass'
  let delayMs = 0
  let connections = 0
  const open = new Set<Socket>()

  const server: Server = createServer((client) => {
    connections++
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => {})
    if (mode === 'refuse') {
      client.resetAndDestroy()
      return
    }
    if (mode === 'hang') {
      // Read and discard: the peer sees a connection that never answers.
      client.resume()
      return
    }
    const startForwarding = () => {
      if (client.destroyed) return
      const upstream = connect(targetPort, targetHost)
      open.add(upstream)
      upstream.on('close', () => open.delete(upstream))
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.pipe(upstream)
      upstream.pipe(client)
    }
    if (mode === 'slow') {
      client.pause()
      const timer = setTimeout(() => {
        client.resume()
        startForwarding()
      }, delayMs)
      client.on('close', () => clearTimeout(timer))
    } else startForwarding()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address')

  return {
    origin: `http://127.0.0.1:${address.port}`,
    port: address.port,
    get connections() {
      return connections
    },
    async set(next, options = {}) {
      mode = next
      delayMs = options.delayMs ?? 0
      for (const socket of open) socket.destroy()
      open.clear()
      await new Promise((resolve) => setTimeout(resolve, 50))
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
