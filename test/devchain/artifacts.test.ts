import { readFileSync } from 'node:fs'
import t from 'tap'
import { type Abi, type AbiFunction, toFunctionSignature } from 'viem'
import {
  demoAccountFactoryAbi,
  demoERC20Abi,
  demoERC721Abi,
  demoERC1155Abi,
  demoERC1271WalletAbi,
  demoOffchainLookupWalletAbi,
} from '../../tools/devchain/abis.js'
import {
  ARTIFACTS_PATH,
  CONTRACT_NAMES,
  type ContractName,
  loadArtifacts,
} from '../../tools/devchain/artifacts.js'
import { compileContracts, serializeArtifacts } from '../../tools/devchain/compile.js'

t.test('committed devchain-artifacts.json is exactly what the sources compile to', async (t) => {
  const fresh = serializeArtifacts(compileContracts())
  const committed = readFileSync(ARTIFACTS_PATH, 'utf8')
  // Not t.equal on the strings: a 60 KB diff helps nobody. The message says what to do.
  t.ok(
    fresh === committed,
    'devchain-artifacts.json is stale: run `npx tsx scripts/compile-contracts.ts` and commit it',
  )
})

t.test('artifacts hold exactly the demo contracts, with deployable bytecode', async (t) => {
  const artifacts = loadArtifacts()
  t.same(Object.keys(artifacts), [...CONTRACT_NAMES])
  for (const name of CONTRACT_NAMES) {
    t.match(artifacts[name].bytecode, /^0x[0-9a-f]+$/, `${name} bytecode is linked hex`)
  }
})

function describeFunctions(abi: Abi): Map<string, string> {
  const functions = abi.filter((item): item is AbiFunction => item.type === 'function')
  return new Map(
    functions.map((f) => [
      toFunctionSignature(f),
      `${f.stateMutability} returns (${f.outputs.map((o) => o.type).join(',')})`,
    ]),
  )
}

const typedAbis: Record<ContractName, Abi> = {
  DemoAccountFactory: demoAccountFactoryAbi,
  DemoERC20: demoERC20Abi,
  DemoERC721: demoERC721Abi,
  DemoERC1155: demoERC1155Abi,
  DemoERC1271Wallet: demoERC1271WalletAbi,
  // Only a fallback: it has no functions to type.
  DemoEchoWallet: [],
  DemoOffchainLookupWallet: demoOffchainLookupWalletAbi,
}

t.test('typed ABIs agree with the compiled ABIs', async (t) => {
  const artifacts = loadArtifacts()
  for (const name of CONTRACT_NAMES) {
    const compiled = describeFunctions(artifacts[name].abi)
    for (const [signature, shape] of describeFunctions(typedAbis[name])) {
      t.equal(compiled.get(signature), shape, `${name}.${signature}`)
    }
  }
})
