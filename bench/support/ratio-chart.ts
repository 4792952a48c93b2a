/**
 * bench/ratios.svg: the req/s ratios of the Fastify (bench/plugin-gate.ts) and Express
 * (bench/express-gate.ts) gate benchmarks as horizontal bars, the target a tick on each bar.
 *
 * Inputs: bench/results/express-gate.json (written by express-gate.ts) and
 * bench/results/plugin-gate.json, which plugin-gate.ts does not write: it is parsed here from
 * the generated plugin-gate block of bench/RESULTS.md (the only output of that bench) and saved
 * as the Fastify chart input.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXPRESS_TARGETS, type ExpressResultsFile } from './express-report.js'
import { END_MARKER, TARGETS } from './report.js'
import { VARIANTS } from './variants.js'

/** A target's outcome, as both results files hold it. */
export interface RatioResult {
  name: string
  numerator: string
  denominator: string
  min: number
  ratio: number
  perRound: { ratio: number; disturbed: boolean }[]
  met: boolean
}

/** bench/results/plugin-gate.json: the plugin-gate block of RESULTS.md, parsed. */
export interface PluginGateResultsFile {
  bench: 'plugin-gate'
  source: string
  date: string
  environment: { node: string; cpu: string; cores: number }
  rounds: number
  duration: number
  variants: {
    id: string
    label: string
    reqPerSec: number
    perRound: { reqPerSec: number; disturbed: boolean }[]
  }[]
  targets: RatioResult[]
}

const PLUGIN_BEGIN_PREFIX = '<!-- plugin-gate:begin'

const number = (cell: string) => Number(cell.replace(/[,*\s]/g, ''))
const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim())

/** Reads the plugin-gate block of RESULTS.md (the Variant table and the Run line). */
export function parsePluginGateBlock(markdown: string): PluginGateResultsFile {
  const begin = markdown.indexOf(PLUGIN_BEGIN_PREFIX)
  const end = markdown.indexOf(END_MARKER)
  if (begin === -1 || end < begin) throw new Error('bench/RESULTS.md has no plugin-gate block')
  const block = markdown.slice(begin, end)
  const run = /^Run (\S+) · Node (\S+) · (.+) \((\d+) cores\)/m.exec(block)
  if (!run) throw new Error('plugin-gate block: no "Run … · Node … · CPU (n cores)" line')
  const method = /(\d+) s per run, (\d+) rounds/.exec(block)
  const byLabel = new Map<string, string>(VARIANTS.map((v) => [v.label, v.id]))
  const variants: PluginGateResultsFile['variants'] = []
  for (const line of block.split('\n')) {
    if (!line.startsWith('|')) continue
    const row = cells(line)
    const id = byLabel.get(row[0]!)
    if (id === undefined || row.length < 8) continue
    variants.push({
      id,
      label: row[0]!,
      reqPerSec: number(row[1]!),
      perRound: row[7]!.split('/').map((c) => ({ reqPerSec: number(c), disturbed: c.includes('*') })),
    })
  }
  const by = new Map(variants.map((v) => [v.id, v]))
  const targets: RatioResult[] = []
  for (const t of TARGETS) {
    const num = by.get(t.numerator)
    const den = by.get(t.denominator)
    if (!num || !den) continue
    const ratio = num.reqPerSec / den.reqPerSec
    targets.push({
      ...t,
      ratio,
      perRound: num.perRound.map((r, i) => {
        const d = den.perRound[i]!
        return { ratio: r.reqPerSec / d.reqPerSec, disturbed: r.disturbed || d.disturbed }
      }),
      met: ratio >= t.min,
    })
  }
  return {
    bench: 'plugin-gate',
    source:
      'bench/RESULTS.md, the block between the plugin-gate markers (written by bench/plugin-gate.ts), parsed by bench/support/ratio-chart.ts; medians as printed there',
    date: run[1]!,
    environment: { node: run[2]!, cpu: run[3]!, cores: Number(run[4]) },
    rounds: method ? Number(method[2]) : 0,
    duration: method ? Number(method[1]) : 0,
    variants,
    targets,
  }
}

// ---------------------------------------------------------------------------------------------
// The chart

export interface ChartBar {
  numerator: string
  denominator: string
  ratio: number
  min: number
  met: boolean
  rounds: number[]
}

export interface ChartGroup {
  title: string
  /** Run date, machine, rounds. */
  caption: string
  bars: ChartBar[]
  /** Shown instead of bars when there are none. */
  missing?: string
}

const FASTIFY_NAMES: Record<string, string> = {
  ungated: 'ungated Fastify',
  'local-cached': 'fastify-picket + cache',
  'local-nocache': 'fastify-picket, cache off',
  jwt: '@fastify/jwt, no cache',
  'jwt-cached': '@fastify/jwt + cache',
}
const EXPRESS_NAMES: Record<string, string> = {
  ungated: 'ungated Express',
  'picket-cached': 'express-picket + cache',
  'picket-nocache': 'express-picket, cache off',
  'oauth2-jwt-bearer': 'express-oauth2-jwt-bearer',
}
/** The Fastify ratios on the chart (plugin-gate's remote-validation target is left out). */
const FASTIFY_PAIRS = [
  ['local-cached', 'ungated'],
  ['local-nocache', 'jwt'],
  ['local-cached', 'jwt-cached'],
]
const EXPRESS_PAIRS = EXPRESS_TARGETS.map((t) => [t.numerator, t.denominator])

function when(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function barsOf(targets: RatioResult[], pairs: string[][], names: Record<string, string>): ChartBar[] {
  const bars: ChartBar[] = []
  for (const [numerator, denominator] of pairs) {
    const t = targets.find((x) => x.numerator === numerator && x.denominator === denominator)
    if (!t) continue
    bars.push({
      numerator: names[numerator!] ?? numerator!,
      denominator: names[denominator!] ?? denominator!,
      ratio: t.ratio,
      min: t.min,
      met: t.ratio >= t.min,
      rounds: t.perRound.map((r) => r.ratio),
    })
  }
  return bars
}

export function fastifyGroup(results: PluginGateResultsFile | undefined): ChartGroup {
  const title = 'Fastify: fastify-picket (bench/plugin-gate.ts)'
  if (!results) return { title, caption: '', bars: [], missing: 'no plugin-gate results in bench/RESULTS.md' }
  const { node, cpu, cores } = results.environment
  return {
    title,
    caption: `run ${when(results.date)} · ${cpu}, ${cores} cores · Node ${node} · ${results.rounds} rounds × ${results.duration} s`,
    bars: barsOf(results.targets, FASTIFY_PAIRS, FASTIFY_NAMES),
  }
}

export function expressGroup(results: ExpressResultsFile | undefined): ChartGroup {
  const title = 'Express: express-picket (bench/express-gate.ts)'
  if (!results) return { title, caption: '', bars: [], missing: 'no bench/results/express-gate.json yet' }
  const { node, cpu, cores } = results.environment
  return {
    title,
    caption: `run ${when(results.date)} · ${cpu}, ${cores} cores · Node ${node} · ${results.settings.rounds} rounds × ${results.settings.duration} s`,
    bars: barsOf(results.targets, EXPRESS_PAIRS, EXPRESS_NAMES),
  }
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (x: number) => (Math.round(x * 100) / 100).toString()

const COLORS = { met: '#2f9e5a', missed: '#d64541', text: '#1f2328', muted: '#59636e', grid: '#d8dee4' }

export function renderRatioChart(groups: ChartGroup[], rendered = new Date()): string {
  const width = 800
  const labelRight = 250
  const barLeft = 262
  const barRight = 600
  const statusLeft = 616
  const rowHeight = 48
  const barHeight = 22

  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.ratio, b.min, ...b.rounds]))
  const top = Math.max(1.5, ...values.filter(Number.isFinite))
  const max = Math.ceil((top * 1.04) / 0.5) * 0.5
  const step = max <= 2 ? 0.25 : 0.5
  const x = (v: number) => barLeft + (Math.max(0, Math.min(v, max)) / max) * (barRight - barLeft)

  const out: string[] = []
  let y = 36
  out.push(
    `<text x="20" y="${y}" font-size="19" font-weight="700" fill="${COLORS.text}">Gate throughput: req/s ratios (medians over rounds)</text>`,
  )
  y += 20
  out.push(
    `<text x="20" y="${y}" font-size="12" fill="${COLORS.muted}">Bar: median req/s of the first over the second; black tick: target; dots: single rounds. ` +
      `Green: target met, red: missed.</text>`,
  )
  y += 18

  for (const group of groups) {
    y += 22
    out.push(
      `<text x="20" y="${y}" font-size="15" font-weight="700" fill="${COLORS.text}">${esc(group.title)}</text>`,
    )
    if (group.caption) {
      y += 17
      out.push(`<text x="20" y="${y}" font-size="11.5" fill="${COLORS.muted}">${esc(group.caption)}</text>`)
    }
    y += 10
    if (group.bars.length === 0) {
      y += 20
      out.push(
        `<text x="${barLeft}" y="${y}" font-size="13" font-style="italic" fill="${COLORS.muted}">${esc(group.missing ?? 'no results')}</text>`,
      )
      y += 10
      continue
    }
    const gridTop = y
    const gridBottom = y + group.bars.length * rowHeight
    // Grid and axis
    for (let v = 0; v <= max + 1e-9; v += step) {
      const gx = x(v).toFixed(1)
      const parity = Math.abs(v - 1) < 1e-9
      out.push(
        `<line x1="${gx}" y1="${gridTop}" x2="${gx}" y2="${gridBottom}" stroke="${parity ? '#8c959f' : COLORS.grid}" stroke-width="1"${parity ? ' stroke-dasharray="4 3"' : ''}/>`,
      )
      out.push(
        `<text x="${gx}" y="${gridBottom + 14}" font-size="10.5" text-anchor="middle" fill="${COLORS.muted}">${fmt(v)}×</text>`,
      )
    }
    for (const bar of group.bars) {
      const color = bar.met ? COLORS.met : COLORS.missed
      const barY = y + (rowHeight - barHeight) / 2
      const mid = barY + barHeight / 2
      out.push('<g>')
      out.push(
        `<title>${esc(`${bar.numerator} vs ${bar.denominator}: ${bar.ratio.toFixed(2)}× (target ≥ ${bar.min.toFixed(2)}, ${bar.met ? 'met' : 'missed'}); rounds ${bar.rounds.map((r) => r.toFixed(2)).join(' / ')}`)}</title>`,
      )
      out.push(
        `<text x="${labelRight}" y="${mid - 3}" font-size="13" font-weight="600" text-anchor="end" fill="${COLORS.text}">${esc(bar.numerator)}</text>`,
        `<text x="${labelRight}" y="${mid + 12}" font-size="11.5" text-anchor="end" fill="${COLORS.muted}">vs ${esc(bar.denominator)}</text>`,
        `<rect x="${barLeft}" y="${barY}" width="${(x(bar.ratio) - barLeft).toFixed(1)}" height="${barHeight}" rx="3" fill="${color}" fill-opacity="0.85"/>`,
      )
      for (const r of bar.rounds) {
        out.push(
          `<circle cx="${x(r).toFixed(1)}" cy="${mid}" r="2.8" fill="#ffffff" fill-opacity="0.9" stroke="${COLORS.text}" stroke-width="1"/>`,
        )
      }
      const tx = x(bar.min).toFixed(1)
      out.push(
        `<line x1="${tx}" y1="${barY - 5}" x2="${tx}" y2="${barY + barHeight + 5}" stroke="#000000" stroke-width="3"/>`,
        `<text x="${statusLeft}" y="${mid - 3}" font-size="13" font-weight="700" fill="${color}">${bar.ratio.toFixed(2)}×  ${bar.met ? '✓ met' : '✗ missed'}</text>`,
        `<text x="${statusLeft}" y="${mid + 12}" font-size="11.5" fill="${COLORS.muted}">target ≥ ${bar.min.toFixed(2)}×</text>`,
      )
      out.push('</g>')
      y += rowHeight
    }
    y += 24
  }
  y += 6
  out.push(
    `<text x="20" y="${y}" font-size="10.5" fill="${COLORS.muted}">Rendered ${esc(when(rendered.toISOString()))} by bench/chart.ts from bench/results/plugin-gate.json and express-gate.json.</text>`,
    `<text x="20" y="${y + 14}" font-size="10.5" fill="${COLORS.muted}">plugin-gate.json is parsed from the plugin-gate block of bench/RESULTS.md. ` +
      'Shared machine: single rounds swing widely, read the medians.</text>',
  )
  y += 14
  const height = Math.ceil(y + 16)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" role="img" aria-labelledby="chart-title">`,
    '<title id="chart-title">Gate throughput: req/s ratios of fastify-picket and express-picket against ungated routes and other JWT middleware</title>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}

/**
 * A small well-formedness check for the SVG written here (balanced tags, quoted attributes,
 * escaped text, one root, no external references); throws with the first problem found.
 */
export function assertWellFormedSvg(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, '')
  const stack: string[] = []
  let roots = 0
  const token = /<[^>]*>|[^<]+/g
  for (const match of body.matchAll(token)) {
    const part = match[0]
    if (!part.startsWith('<')) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(part))
        throw new Error(`unescaped & in text: ${part}`)
      if (stack.length === 0 && part.trim())
        throw new Error(`text outside the root: ${part.trim().slice(0, 40)}`)
      continue
    }
    if (part.startsWith('<!--')) continue
    const close = /^<\/([A-Za-z][\w:.-]*)\s*>$/.exec(part)
    if (close) {
      const open = stack.pop()
      if (open !== close[1]) throw new Error(`</${close[1]}> closes <${open ?? 'nothing'}>`)
      continue
    }
    const open = /^<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>$/.exec(part)
    if (!open) throw new Error(`malformed tag: ${part.slice(0, 80)}`)
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(open[2]!))
      throw new Error(`unescaped & in ${part}`)
    const names = [...open[2]!.matchAll(/([A-Za-z_:][\w:.-]*)=/g)].map((m) => m[1])
    if (new Set(names).size !== names.length) throw new Error(`repeated attribute in ${part.slice(0, 80)}`)
    if (/\b(href|xlink:href|src)=/.test(open[2]!) || /url\(/.test(open[2]!)) {
      throw new Error(`external reference in ${part.slice(0, 80)}`)
    }
    if (stack.length === 0) roots++
    if (open[3] !== '/') stack.push(open[1]!)
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`)
  if (roots !== 1) throw new Error(`${roots} root elements`)
}

/**
 * Reads the latest results of both benches (re-parsing the plugin-gate block into
 * bench/results/plugin-gate.json), renders bench/ratios.svg, checks it and returns its path.
 */
export function writeRatioChart(benchDir: string): string {
  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  let fastify: PluginGateResultsFile | undefined
  const resultsMd = join(benchDir, 'RESULTS.md')
  if (existsSync(resultsMd) && readFileSync(resultsMd, 'utf8').includes(PLUGIN_BEGIN_PREFIX)) {
    fastify = parsePluginGateBlock(readFileSync(resultsMd, 'utf8'))
    writeFileSync(join(resultsDir, 'plugin-gate.json'), `${JSON.stringify(fastify, null, 2)}\n`)
  }
  const expressFile = join(resultsDir, 'express-gate.json')
  const express = existsSync(expressFile)
    ? (JSON.parse(readFileSync(expressFile, 'utf8')) as ExpressResultsFile)
    : undefined
  const svg = renderRatioChart([fastifyGroup(fastify), expressGroup(express)])
  assertWellFormedSvg(svg)
  const file = join(benchDir, 'ratios.svg')
  writeFileSync(file, svg)
  return file
}
