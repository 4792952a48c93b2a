/**
 * Renders bench/ratios.svg from the latest results of both gate benchmarks: the req/s ratios of
 * fastify-picket (bench/plugin-gate.ts; read from its generated block in bench/RESULTS.md and
 * saved as bench/results/plugin-gate.json) and of express-picket (bench/express-gate.ts,
 * bench/results/express-gate.json), each bar with its target.
 *
 *   npx tsx bench/chart.ts
 *
 * bench/express-gate.ts renders it too at the end of a run.
 */
import { fileURLToPath } from 'node:url'
import { writeRatioChart } from './support/ratio-chart.js'

const file = writeRatioChart(fileURLToPath(new URL('.', import.meta.url)))
process.stderr.write(`wrote ${file} (well-formed)\n`)
