/**
 * The packed packages in a fresh app with the oldest fastify the plugin supports
 * (peerDependencies `^5.0.0`; see support/consumer-suite.ts for what is checked).
 */
import t from 'tap'
import { consumerSuite } from './support/consumer-suite.js'

await consumerSuite(t, { fastifySpec: 'fastify@5.0.0', fastifyVersion: /^5\.0\.0$/ })
