/**
 * `picket-authority devchain`'s engine: anvil (the optional peer @foundry-rs/anvil, a root dev
 * dependency here) with the demo tokens, as the command starts it. The packed command, run the way
 * README.md says, is tested in test/packaging/consumer-fastify-latest.test.ts.
 */

import t from 'tap'
import { type Address, createPublicClient, http } from 'viem'
import { demoERC20Abi, demoERC721Abi, demoERC1155Abi } from '../../packages/authority/src/devchain/abis.js'
import { DevChainEngineMissingError, findAnvilBinary } from '../../packages/authority/src/devchain/anvil.js'
import { DevChainCommandError, runDevChainCommand } from '../../packages/authority/src/devchain/command.js'
import { DEMO_ITEM_ID, startDemoChain } from '../../packages/authority/src/devchain/demo-chain.js'

const MINTED: Address = '0x000000000000000000000000000000000000dEaD'

t.test('the demo chain: fixed token addresses, the holder, the outsider and --mint wallets', async (t) => {
  t.ok(findAnvilBinary().endsWith('/bin/anvil'), 'anvil is the platform package’s binary')
  const chain = await startDemoChain({ port: 0, mint: [MINTED] })
  t.teardown(() => chain.close())
  t.match(chain.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.same(
    chain.tokens,
    {
      pass: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      coin: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
      items: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
    },
    'the first three deployments of account 0: the same addresses on every start (README.md names the pass)',
  )
  t.equal(chain.holder.address, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
  const client = createPublicClient({ transport: http(chain.rpcUrl) })
  t.equal(await client.getChainId(), 1337, "chain ID 1337, the authority's localhost chain")
  const passes = (owner: Address) =>
    client.readContract({
      address: chain.tokens.pass,
      abi: demoERC721Abi,
      functionName: 'balanceOf',
      args: [owner],
    })
  const coins = (owner: Address) =>
    client.readContract({
      address: chain.tokens.coin,
      abi: demoERC20Abi,
      functionName: 'balanceOf',
      args: [owner],
    })
  const items = (owner: Address) =>
    client.readContract({
      address: chain.tokens.items,
      abi: demoERC1155Abi,
      functionName: 'balanceOf',
      args: [owner, DEMO_ITEM_ID],
    })
  t.equal(await passes(chain.holder.address), 1n, 'the holder has a pass')
  t.equal(await coins(chain.holder.address), 100n * 10n ** 18n, '100 COIN')
  t.equal(await items(chain.holder.address), 1n, 'and an item')
  t.equal(await passes(chain.outsider.address), 0n, 'the outsider has no pass')
  t.equal(await coins(chain.outsider.address), 10n * 10n ** 18n, 'and 10 COIN')
  t.equal(
    await client.readContract({
      address: chain.tokens.pass,
      abi: demoERC721Abi,
      functionName: 'ownerOf',
      args: [2n],
    }),
    MINTED,
    'a --mint wallet owns pass #2',
  )
  t.same(chain.minted, [{ address: MINTED, passId: 2n }])

  await t.test('a second chain on the same port: advice, not a stack trace', async (t) => {
    const port = Number(new URL(chain.rpcUrl).port)
    await t.rejects(runDevChainCommand(['--port', String(port)], { out: () => {}, err: () => {} }), {
      name: 'DevChainCommandError',
      message: new RegExp(`already in use.*--port ${port + 1}`),
    })
  })

  await chain.close()
  await chain.exited
  await t.rejects(client.getChainId(), 'closed: nothing answers on its port')
})

t.test('command-line mistakes name the fix', async (t) => {
  const io = { out: () => {}, err: () => {} }
  await t.rejects(runDevChainCommand(['--mint', '0x1234'], io), {
    name: 'DevChainCommandError',
    message: /--mint takes an EVM address/,
  })
  await t.rejects(runDevChainCommand(['--port', 'http'], io), DevChainCommandError)
  await t.rejects(runDevChainCommand(['--chain', '5'], io), { message: /devchain --help/ })
  const lines: string[] = []
  await runDevChainCommand(['--help'], { out: (line) => lines.push(line), err: () => {} })
  t.match(lines.join('\n'), /^Usage: picket-authority devchain/)
})

t.test('without the engine: which package to install', async (t) => {
  t.match(new DevChainEngineMissingError('').message, /npm install --save-dev @foundry-rs\/anvil$/)
})
