/** Whole-machine CPU use from os.cpus(), to see how much of it was not ours during a run. */
import os from 'node:os'

/** Busy CPU time summed over all cores, in µs. */
export function machineBusyMicros(): number {
  let busy = 0
  for (const { times } of os.cpus()) busy += times.user + times.nice + times.sys + times.irq
  return busy * 1000
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Cores busy over `ms` of wall time (between runs our own processes are idle, so this is everyone else). */
export async function sampleBusyCores(ms = 1000): Promise<number> {
  const before = machineBusyMicros()
  const started = performance.now()
  await sleep(ms)
  return (machineBusyMicros() - before) / ((performance.now() - started) * 1000)
}

/**
 * Waits (up to `maxMs`) until the rest of the machine uses less than `threshold` cores, so a run
 * does not start while another engineer's test suite is busy. Returns the last sample and
 * whether it was quiet.
 */
export async function waitForQuiet(
  threshold: number,
  maxMs: number,
): Promise<{ busy: number; quiet: boolean }> {
  const deadline = Date.now() + maxMs
  // Two quiet seconds in a row: test suites start in bursts, one idle second says little.
  let quietSeconds = 0
  let busy = 0
  while (quietSeconds < 2 && Date.now() < deadline) {
    busy = await sampleBusyCores()
    quietSeconds = busy < threshold ? quietSeconds + 1 : 0
  }
  return { busy, quiet: quietSeconds >= 2 }
}
