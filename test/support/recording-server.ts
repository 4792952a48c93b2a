/**
 * A real HTTP server (Fastify on 127.0.0.1, random port) that records every request exactly as
 * received and answers from a script. Shared by suites that need to see bytes on the wire
 * instead of trusting a stubbed fetch.
 */
import type { IncomingHttpHeaders } from 'node:http'
import Fastify from 'fastify'

export interface RecordedRequest {
  method: string
  /** Request target as sent (still URL-encoded), e.g. `/api/v1/chains/a%2Fb`. */
  url: string
  /** Header names are lower-case (Node's parser). */
  headers: IncomingHttpHeaders
  /** Raw body text ('' when none). */
  body: string
  /** `performance.now()` when the request arrived. */
  receivedAt: number
}

/** How to answer one request. */
export interface ScriptedReply {
  /** Default 200. */
  status?: number
  headers?: Record<string, string>
  /** Serialized with JSON.stringify and sent as application/json. */
  json?: unknown
  /** Sent verbatim; content type defaults to text/plain unless `headers` sets one. */
  text?: string
  /** Never answer (for timeouts); the connection is dropped when the server closes. */
  hang?: boolean
  /** Send the status line, headers and the start of the body, then reset the connection. */
  resetMidBody?: boolean
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly port: number
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[]
  /** `origin + path`. */
  url(path?: string): string
  /** Replaces the script: replies are used in order and the last one repeats. */
  script(...replies: ScriptedReply[]): void
  close(): Promise<void>
}

/** Starts a server answering from `replies` (default: 200 `{}`). */
export async function startRecordingServer(...replies: ScriptedReply[]): Promise<RecordingServer> {
  const requests: RecordedRequest[] = []
  let script: ScriptedReply[] = replies.length > 0 ? replies : [{ json: {} }]
  const app = Fastify({ forceCloseConnections: true })

  // Keep bodies as raw text, whatever their content type, so tests see the exact bytes.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

  app.all('/*', async (request, reply) => {
    const index = requests.length
    requests.push({
      method: request.method,
      url: request.raw.url ?? '',
      headers: request.headers,
      body: typeof request.body === 'string' ? request.body : '',
      receivedAt: performance.now(),
    })
    const scripted = script[Math.min(index, script.length - 1)] ?? {}
    if (scripted.hang) return new Promise<never>(() => {})
    if (scripted.resetMidBody) {
      reply.hijack()
      reply.raw.writeHead(scripted.status ?? 200, {
        'content-type': 'application/json',
        'content-length': '1000',
      })
      reply.raw.write('{"partial', () => request.raw.socket.destroy())
      return reply
    }
    reply.code(scripted.status ?? 200)
    if (scripted.headers) reply.headers(scripted.headers)
    if (scripted.json !== undefined) return reply.type('application/json').send(JSON.stringify(scripted.json))
    if (!reply.hasHeader('content-type')) reply.type('text/plain')
    return reply.send(scripted.text ?? '')
  })

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address')
  const origin = `http://127.0.0.1:${address.port}`

  return {
    origin,
    port: address.port,
    requests,
    url: (path = '') => origin + path,
    script: (...next) => {
      script = next
    },
    close: () => app.close(),
  }
}

/** A port on 127.0.0.1 that refuses connections: it was just used by a server that is now closed. */
export async function refusedPort(): Promise<number> {
  const server = await startRecordingServer()
  await server.close()
  return server.port
}
