/**
 * What of a failed Picket API call reaches a 503 (and so the end client and the app's log):
 * a 5xx's code and message from a Picket error body, made safe; nothing else. Real HTTP.
 */
import { classifyUpstreamError } from 'picket-core/client'
import t, { type Test } from 'tap'
import { clientFixture, WALLET } from '../support/picket-client-fixtures.js'
import type { ScriptedReply } from '../support/recording-server.js'

async function unavailableMessage(t: Test, reply: ScriptedReply) {
  const { clientWith } = await clientFixture(t, reply)
  const error = await clientWith({ retry: false })
    .nonce({ walletAddress: WALLET })
    .catch((e: unknown) => e)
  const classified = classifyUpstreamError(error) as Error & { status: number }
  t.equal(classified.status, 503, 'fails closed')
  return classified.message
}

t.test("a 5xx's code and message are repeated", async (t) => {
  t.equal(
    await unavailableMessage(t, {
      status: 503,
      headers: { 'retry-after': '60' },
      json: { code: 'chain_not_configured', msg: 'Chain ethereum has no RPC URL (chains.ethereum.rpcUrl)' },
    }),
    'the Picket API answered 503 (chain_not_configured): Chain ethereum has no RPC URL (chains.ethereum.rpcUrl)',
  )
})

t.test('control and bidi characters are removed, the message capped, a strange code dropped', async (t) => {
  const message = await unavailableMessage(t, {
    status: 500,
    json: {
      code: 'not a code\nFAKE LOG LINE',
      msg: `first line\r\n{"level":50,"msg":"forged"}\u202eevil\u0007${'x'.repeat(1000)}`,
    },
  })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must be gone
  t.notMatch(message, /[\u0000-\u001f\u007f-\u009f\u202e]/, 'no control or bidi characters')
  t.notMatch(message, 'FAKE LOG LINE', 'the code is dropped')
  t.match(message, /^the Picket API answered 500: first line \{"level":50,"msg":"forged"\} evil x+…$/)
  t.ok(message.length <= 'the Picket API answered 500: '.length + 301, `capped (${message.length})`)
})

t.test('a 4xx the API could not answer (424, 429) repeats nothing', async (t) => {
  t.equal(
    await unavailableMessage(t, {
      status: 424,
      json: { code: 'chain_unavailable', msg: 'rpc.internal:8545 down' },
    }),
    'the Picket API answered 424',
  )
})

t.test('a 5xx that is not a Picket error body (a proxy page) repeats nothing of it', async (t) => {
  const message = await unavailableMessage(t, {
    status: 502,
    headers: { 'content-type': 'text/html' },
    text: '<html>upstream 10.0.0.7 refused</html>',
  })
  t.notMatch(message, '10.0.0.7')
})
