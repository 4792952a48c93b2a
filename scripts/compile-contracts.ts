/**
 * Compiles the dev chain's Solidity sources (tools/devchain/contracts) and writes the committed
 * artifacts (packages/authority/devchain-artifacts.json, shipped with picket-authority). Run after editing a contract:
 *
 *   npx tsx scripts/compile-contracts.ts
 *
 * test/devchain/artifacts.test.ts recompiles and fails if the committed file is stale.
 */
import { writeFileSync } from 'node:fs'
import { ARTIFACTS_PATH } from '../tools/devchain/artifacts.js'
import { compileContracts, serializeArtifacts } from '../tools/devchain/compile.js'

const artifacts = compileContracts()
writeFileSync(ARTIFACTS_PATH, serializeArtifacts(artifacts))
console.log(`wrote ${Object.keys(artifacts).join(', ')} to ${ARTIFACTS_PATH}`)
