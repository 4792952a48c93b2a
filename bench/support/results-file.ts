/**
 * Updates only this benchmark's part of bench/RESULTS.md: the block between the plugin-gate
 * markers. Other benchmarks' sections, and hand-written notes in ours, are left as they are.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { END_MARKER } from './report.js'

const HEADING = '## Plugin gate'
const BEGIN_PREFIX = '<!-- plugin-gate:begin'

/** The block as biome formats Markdown (aligned tables), so `biome check` stays clean for it. */
function formatMarkdown(block: string): string {
  try {
    const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome')
    const out = spawnSync(process.execPath, [biome, 'format', '--stdin-file-path=plugin-gate.md'], {
      input: block,
      encoding: 'utf8',
    })
    return out.status === 0 && out.stdout ? out.stdout.trimEnd() : block
  } catch {
    return block
  }
}

export function writeSection(file: string, rawBlock: string): void {
  const block = formatMarkdown(rawBlock)
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const begin = current.indexOf(BEGIN_PREFIX)
  const end = current.indexOf(END_MARKER)
  let next: string
  if (begin !== -1 && end > begin) {
    next = current.slice(0, begin) + block + current.slice(end + END_MARKER.length)
  } else if (current.includes(`\n${HEADING}\n`)) {
    // The heading exists without markers: put the block right under it.
    const at = current.indexOf(`\n${HEADING}\n`) + HEADING.length + 2
    next = `${current.slice(0, at)}\n${block}\n${current.slice(at)}`
  } else {
    next = `${current.replace(/\n*$/, '\n')}\n${HEADING}\n\n${block}\n`
  }
  writeFileSync(file, next)
}
