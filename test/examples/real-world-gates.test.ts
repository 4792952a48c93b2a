import { DEFAULT_CHAIN_ALIASES, parseGateExpression } from 'picket-core'
import t from 'tap'
import * as gates from '../../examples/gates/real-world-gates.js'

/** The README's real-world gates register: each passes the strict parser the adapters use. */
const fail = (path: string, problem: string) => new Error(`${path} ${problem}`)

for (const [name, gate] of Object.entries(gates)) {
  t.test(name, async (t) => {
    const compiled = parseGateExpression(gate, 'config.picket.gate', fail, { aliases: DEFAULT_CHAIN_ALIASES })
    t.ok(compiled.conditions.length >= 2, 'at least two conditions')
    t.ok(compiled.chains.length >= 1)
  })
}
t.equal(Object.keys(gates).length, 5, 'five real-world gates')
