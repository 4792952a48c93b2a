/**
 * Raw HTTP/1.1 over a real socket, for requests that fetch/undici and `inject` cannot express
 * faithfully: repeated headers, bytes outside ASCII, control characters, broken bodies.
 */
import { connect } from 'node:net'

export interface RawResponse {
  /** 0 when the server closed the connection without answering. */
  status: number
  headers: Record<string, string[]>
  body: string
  /** Milliseconds from connecting to the end of the response. */
  elapsed: number
}

/**
 * Sends `request` (a complete HTTP request, as a string in latin1 or as bytes) and reads until
 * the server closes the connection, or `timeoutMs` passes (then the socket is destroyed and
 * whatever arrived is parsed). Send `Connection: close` so servers end the exchange.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve({
        ...parseResponse(Buffer.concat(chunks).toString('latin1')),
        elapsed: performance.now() - started,
      })
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('connect', () =>
      socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request),
    )
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      // A complete response with Content-Length is enough; no need to wait for the close.
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end !== -1) {
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))
        if (length && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length[1])) finish()
      }
    })
    socket.on('error', finish)
    socket.on('close', finish)
  })
}

function parseResponse(text: string): Omit<RawResponse, 'elapsed'> {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return { status: 0, headers: {}, body: '' }
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0)
  const headers: Record<string, string[]> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon === -1) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const values = headers[name] ?? []
    values.push(line.slice(colon + 1).trim())
    headers[name] = values
  }
  let body = text.slice(end + 4)
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body)
  return { status, headers, body }
}

function dechunk(text: string): string {
  let out = ''
  let rest = text
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd === -1) return out
    const size = Number.parseInt(rest.slice(0, lineEnd), 16)
    if (!Number.isFinite(size) || size === 0) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 2 + size + 2)
  }
}

/** A GET with the given header lines (each `Name: value`), `Connection: close` added. */
export function rawGet(port: number, path: string, headerLines: string[], timeoutMs?: number) {
  const head = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headerLines, 'Connection: close', '', ''].join(
    '\r\n',
  )
  return rawRequest(port, head, timeoutMs)
}
