/**
 * The packed packages in a fresh app with the newest fastify 5.x from the registry
 * (see support/consumer-suite.ts for what is checked), and README.md's walkthrough from an empty
 * directory to a token gate with `picket-authority devchain`.
 */
import t from 'tap'
import { consumerSuite } from './support/consumer-suite.js'

// Packing (a full build) takes 60-130 s on a busy 2-core machine, the install 30 s, and the README
// walkthrough adds an npm install and three servers: more than .taprc's 240 s per file.
t.setTimeout(420_000)
await consumerSuite(t, {
  fastifySpec: 'fastify@5',
  fastifyVersion: /^5\.\d+\.\d+$/,
  devChainWalkthrough: true,
})
