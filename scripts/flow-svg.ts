/**
 * Draws docs/flow.svg, the README's picture of the flow (the same sequence as its Mermaid block,
 * which npm's registry page does not render). Each decision is coloured: decided from the token
 * alone, or read from the chain. Run after editing the picture:
 *
 *   npx tsx scripts/flow-svg.ts
 *
 * test/examples/readme.test.ts fails if the committed file is not what this script writes.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const FLOW_SVG_PATH = fileURLToPath(new URL('../docs/flow.svg', import.meta.url))

const WIDTH = 880
const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace"
const INK = '#1f2328'
const MUTED = '#59636e'
const RULE = '#d1d9e0'

type Kind = 'login' | 'token' | 'chain'
const KINDS: Record<Kind, { stroke: string; fill: string; legend: string }> = {
  login: { stroke: '#0969da', fill: '#ddf4ff', legend: 'signing in, once' },
  token: { stroke: '#1a7f37', fill: '#dafbe1', legend: 'decided from the token alone, no chain read' },
  chain: { stroke: '#bc4c00', fill: '#fff1e5', legend: 'read from the chain (RPC)' },
}

type Lane = 'browser' | 'app' | 'api' | 'chain'
const LANES: Record<Lane, { x: number; width: number; name: string; sub: string }> = {
  browser: { x: 195, width: 170, name: 'Browser + wallet', sub: 'your page, the user’s wallet' },
  app: { x: 430, width: 250, name: 'Your app', sub: 'fastify-picket / express-picket' },
  api: { x: 655, width: 186, name: 'Picket API', sub: 'bundled authority or hosted' },
  chain: { x: 815, width: 110, name: 'Chain RPC', sub: 'token balances' },
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A label: a route in monospace, then words in the sans font. */
interface Label {
  code?: string
  words?: string
}

function labelText(x: number, y: number, label: Label, options: { color?: string } = {}) {
  const parts: string[] = []
  if (label.code) parts.push(`<tspan font-family="${MONO}" font-weight="600">${xml(label.code)}</tspan>`)
  // dx, not a space: renderers drop a space that starts a tspan.
  if (label.words) parts.push(`<tspan${label.code ? ' dx="0.4em"' : ''}>${xml(label.words)}</tspan>`)
  return `<text x="${x}" y="${y}" text-anchor="middle" fill="${options.color ?? INK}">${parts.join('')}</text>`
}

function badge(x: number, y: number, kind: Kind): string {
  const { stroke } = KINDS[kind]
  return [
    `<rect x="${x}" y="${y - 10}" width="50" height="19" rx="9.5" fill="${stroke}"/>`,
    `<text x="${x + 25}" y="${y + 4}" text-anchor="middle" font-size="11.5" font-weight="700" fill="#ffffff">${kind}</text>`,
  ].join('\n')
}

/** Builds the picture row by row, top to bottom. */
class Drawing {
  private readonly parts: string[] = []
  y = 0

  add(...svg: string[]) {
    this.parts.push(...svg)
  }

  legend(y: number) {
    const at: Record<Kind, number> = { login: 24, token: 222, chain: 598 }
    for (const kind of Object.keys(KINDS) as Kind[]) {
      this.add(
        badge(at[kind], y, kind),
        `<text x="${at[kind] + 58}" y="${y + 4}" fill="${INK}">${xml(KINDS[kind].legend)}</text>`,
      )
    }
  }

  participants(y: number) {
    for (const lane of Object.values(LANES)) {
      const left = lane.x - lane.width / 2
      this.add(
        `<rect x="${left}" y="${y}" width="${lane.width}" height="50" rx="8" fill="#f6f8fa" stroke="${RULE}"/>`,
        `<text x="${lane.x}" y="${y + 21}" text-anchor="middle" font-weight="700" fill="${INK}">${xml(lane.name)}</text>`,
        `<text x="${lane.x}" y="${y + 39}" text-anchor="middle" font-size="11.5" fill="${MUTED}">${xml(lane.sub)}</text>`,
      )
    }
  }

  section(title: string, kind?: Kind) {
    this.y += 12
    const color = kind ? KINDS[kind].stroke : MUTED
    this.add(
      `<line x1="16" y1="${this.y}" x2="${WIDTH - 16}" y2="${this.y}" stroke="${RULE}"/>`,
      `<text x="24" y="${this.y + 20}" font-size="12.5" font-weight="700" fill="${color}">${xml(title)}</text>`,
    )
    this.y += 26
  }

  message(from: Lane, to: Lane, label: Label, options: { reply?: boolean; kind?: Kind; badge?: Kind } = {}) {
    this.y += 31
    const y = this.y
    const x1 = LANES[from].x
    const x2 = LANES[to].x
    const direction = Math.sign(x2 - x1)
    const tip = x2 - direction * 2
    const color = options.kind ? KINDS[options.kind].stroke : INK
    const dash = options.reply ? ' stroke-dasharray="6 4"' : ''
    if (options.badge) this.add(badge(24, y - 7, options.badge))
    this.add(
      labelText((x1 + x2) / 2, y - 8, label, options.kind ? { color } : {}),
      `<line x1="${x1}" y1="${y}" x2="${tip - direction * 8}" y2="${y}" stroke="${color}" stroke-width="${options.kind ? 2 : 1.5}"${dash}/>`,
      `<path d="M${tip} ${y} l${-direction * 10} -5 v10 z" fill="${color}"/>`,
    )
  }

  note(at: Lane, lines: string[], options: { width: number; kind?: Kind; badge?: Kind }) {
    this.y += 12
    const height = 10 + lines.length * 17
    const { x } = LANES[at]
    const stroke = options.kind ? KINDS[options.kind].stroke : RULE
    const fill = options.kind ? KINDS[options.kind].fill : '#fff8c5'
    if (options.badge) this.add(badge(24, this.y + height / 2, options.badge))
    this.add(
      `<rect x="${x - options.width / 2}" y="${this.y}" width="${options.width}" height="${height}" rx="6" fill="${fill}" stroke="${stroke}"/>`,
      ...lines.map(
        (line, i) =>
          `<text x="${x}" y="${this.y + 19 + i * 17}" text-anchor="middle" font-size="12.5" fill="${INK}">${xml(line)}</text>`,
      ),
    )
    this.y += height
  }

  /** The whole picture: a white card (readable in dark mode too), lifelines behind the rows. */
  render(): string {
    const height = this.y + 28
    const lifelines = Object.values(LANES).map(
      (lane) =>
        `<line x1="${lane.x}" y1="${LIFELINES_TOP}" x2="${lane.x}" y2="${height - 16}" stroke="${RULE}" stroke-width="2" stroke-dasharray="4 4"/>`,
    )
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="flow-title flow-desc">`,
      `<title id="flow-title">${xml(TITLE)}</title>`,
      `<desc id="flow-desc">${xml(DESCRIPTION)}</desc>`,
      `<rect width="${WIDTH}" height="${height}" rx="12" fill="#ffffff"/>`,
      `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="12" fill="none" stroke="${RULE}"/>`,
      `<g font-family="${SANS}" font-size="13">`,
      ...lifelines,
      ...this.parts,
      '</g>',
      '</svg>',
      '',
    ].join('\n')
  }
}

const TITLE = 'The flow: nonce, wallet signature, token, gated request'
const DESCRIPTION =
  'Sign in once: the browser asks your app for a nonce, the wallet signs a Sign-In with Ethereum ' +
  'message, and the Picket API exchanges the signature for an access token. Every gated request ' +
  'is then decided from the token alone, with no chain read. Only routes that use incremental ' +
  'authorization or revalidation call /authz, and the Picket API reads the balance from the chain.'
const LIFELINES_TOP = 108

export function flowSvg(): string {
  const d = new Drawing()
  d.legend(30)
  d.participants(LIFELINES_TOP - 50)
  d.y = LIFELINES_TOP

  d.section('1. Sign in, once', 'login')
  d.message('browser', 'app', { code: 'POST /auth/nonce', words: 'wallet address' }, { badge: 'login' })
  d.message('app', 'api', { code: 'POST /api/v1/auth/nonce' })
  d.message('api', 'app', { words: 'nonce, statement, format' }, { reply: true })
  d.message('app', 'browser', { words: 'nonce, statement, format' }, { reply: true })
  d.note('browser', ['the wallet signs a SIWE message', 'naming this site (personal_sign)'], {
    width: 230,
    badge: 'login',
  })
  d.message('browser', 'app', { code: 'POST /auth/login', words: 'signature' }, { badge: 'login' })
  d.note('app', ['SIWE domain allowed? issuedAt fresh?'], { width: 270 })
  d.message('app', 'api', { code: 'POST /api/v1/auth' })
  d.note('api', ['check the signature,', 'use up the nonce'], { width: 180 })
  d.message('api', 'app', { words: 'access token (ES256 JWT) + user' }, { reply: true })
  d.message('app', 'browser', { words: 'access token + user' }, { reply: true })

  d.section('2. Every gated request: decided from the token alone', 'token')
  d.message(
    'browser',
    'app',
    { code: 'GET /api/members', words: '+ Bearer token' },
    { kind: 'token', badge: 'token' },
  )
  d.note('app', ['verify the signature (JWKS, cached),', 'compare the claims with the route'], {
    width: 270,
    kind: 'token',
  })
  d.message('app', 'browser', { words: '200, or 401 / 403' }, { reply: true, kind: 'token' })

  d.section('3. Only routes with incremental authorization or revalidation: read from the chain', 'chain')
  d.message(
    'browser',
    'app',
    { code: 'GET /api/pass-holders', words: '+ token' },
    { kind: 'chain', badge: 'chain' },
  )
  d.note('app', ['the token lacks the balance (incremental),', 'or the route says revalidate'], {
    width: 290,
    kind: 'chain',
  })
  d.message('app', 'api', { code: 'POST /api/v1/authz' }, { kind: 'chain' })
  d.message('api', 'chain', { code: 'balanceOf', words: '(wallet)' }, { kind: 'chain' })
  d.message('chain', 'api', { words: 'balance' }, { reply: true, kind: 'chain' })
  d.message('api', 'app', { words: 'new token, or 403' }, { reply: true, kind: 'chain' })
  d.message('app', 'browser', { words: '200 + a new token, or 403' }, { reply: true, kind: 'chain' })

  return d.render()
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(FLOW_SVG_PATH, flowSvg())
  console.log(`wrote ${FLOW_SVG_PATH}`)
}
