import { createServer } from 'node:net'

/**
 * The port to serve on. The app must know it before it listens: it is part of the SIWE domains
 * the app accepts (`127.0.0.1:PORT`), of the authority's issuer and of the JWKS URL. So port 0
 * ("any free port", used by the tests) is resolved here by asking the OS for one.
 */
export async function resolveListenPort(port: number, host: string): Promise<number> {
  if (port !== 0) return port
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const address = probe.address()
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}
