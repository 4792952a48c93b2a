/**
 * `npm run demo`: prints a picture of the flow, starts the example in this process (free port,
 * fresh chain), runs the scripted story against it and exits 0 only if every step behaved. Each
 * step is tagged as the picture is: [login], [token] (decided from the token alone) or [chain]
 * (read from the chain through /authz).
 */
import { start } from './app.js'
import { FLOW_PICTURE, stepTag } from './flow-picture.js'
import { runStory } from './story.js'

console.log(`${FLOW_PICTURE}\n`)
const example = await start({ port: 0 })
console.log(`Example running at ${example.url} (chain ${example.chainSlug}, ${example.demo.chain.rpcUrl})`)
let ok = false
let act = ''
try {
  const result = await runStory(example, (step) => {
    if (step.act !== act) {
      act = step.act
      console.log(`\n${act}`)
    }
    console.log(`${step.ok ? '✓' : '✗'} ${stepTag(step.decidedBy)} ${step.title}`)
    console.log(`            ${step.detail}`)
  })
  ok = result.ok
  const failed = result.steps.filter((step) => !step.ok).length
  console.log(
    `\n${result.steps.length - failed}/${result.steps.length} steps behaved${ok ? '' : `: ${failed} did not`}.`,
  )
} finally {
  await example.close()
}
process.exitCode = ok ? 0 : 1
