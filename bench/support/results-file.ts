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

/** Another benchmark's section: its heading and markers (the defaults are the plugin-gate ones). */
export interface SectionOptions {
  heading: string
  /** The begin marker up to where it starts to vary, e.g. '<!-- express-gate:begin'. */
  beginPrefix: string
  endMarker: string
}

/** The block as biome formats Markdown (aligned tables), so `biome check` stays clean for it. */
function formatMarkdown(block: string, name = 'plugin-gate'): string {
  try {
    const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome')
    const out = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${name}.md`], {
      input: block,
      encoding: 'utf8',
    })
    return out.status === 0 && out.stdout ? out.stdout.trimEnd() : block
  } catch {
    return block
  }
}

export function writeSection(
  file: string,
  rawBlock: string,
  section: SectionOptions = { heading: HEADING, beginPrefix: BEGIN_PREFIX, endMarker: END_MARKER },
): void {
  const { heading, beginPrefix, endMarker } = section
  const block = formatMarkdown(rawBlock, beginPrefix.replace(/^<!-- /, '').replace(/:begin.*$/, ''))
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const begin = current.indexOf(beginPrefix)
  const end = current.indexOf(endMarker)
  let next: string
  if (begin !== -1 && end > begin) {
    next = current.slice(0, begin) + block + current.slice(end + endMarker.length)
  } else if (current.includes(`\n${heading}\n`)) {
    // The heading exists without markers: put the block right under it.
    const at = current.indexOf(`\n${heading}\n`) + heading.length + 2
    next = `${current.slice(0, at)}\n${block}\n${current.slice(at)}`
  } else {
    next = `${current.replace(/\n*$/, '\n')}\n${heading}\n\n${block}\n`
  }
  writeFileSync(file, next)
}
