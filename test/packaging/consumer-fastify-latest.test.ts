/**
 * The packed packages in a fresh app with the newest fastify 5.x from the registry
 * (see support/consumer-suite.ts for what is checked).
 */
import t from 'tap'
import { consumerSuite } from './support/consumer-suite.js'

await consumerSuite(t, { fastifySpec: 'fastify@5', fastifyVersion: /^5\.\d+\.\d+$/ })
