import { parseArgs } from 'node:util'
import { type Address, getAddress, isAddress } from 'viem'
import { DEFAULT_MNEMONIC } from './accounts.js'
import { ANVIL_PACKAGE } from './anvil.js'
import { type DemoChain, startDemoChain } from './demo-chain.js'

export const DEVCHAIN_USAGE = `Usage: picket-authority devchain [--port 8545] [--mint 0xWALLET]...

  Starts a local EVM (Foundry's anvil, from the optional package ${ANVIL_PACKAGE}) on 127.0.0.1
  with the demo tokens deployed: PASS (ERC-721), COIN (ERC-20) and an ERC-1155 item, held by two
  dev wallets whose keys it prints. It is the authority's built-in "localhost" chain (chain ID 1337).
  Dev only: the accounts come from a public mnemonic, and the chain's state ends with it.

  --port    port of its JSON-RPC server (default 8545; 0 picks a free one)
  --mint    also give this wallet a PASS, 100 COIN and an item (repeatable), e.g. your browser wallet
  SIGINT, SIGTERM  stop the chain and exit 0`

/** The options of parseArgs (test/examples/readme.test.ts reads the flags from these lines). */
function argsConfig() {
  return {
    options: {
      port: { type: 'string' },
      mint: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  } as const
}

/** A mistake on the command line: the message names the fix. */
export class DevChainCommandError extends Error {
  override name = 'DevChainCommandError'
}

interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

function readArgs(args: string[]): { port: number; mint: Address[]; help: boolean } {
  let values: { port?: string; mint?: string[]; help?: boolean }
  try {
    values = parseArgs({ args, ...argsConfig() }).values
  } catch (error) {
    throw new DevChainCommandError(`${(error as Error).message} (picket-authority devchain --help)`)
  }
  const port = values.port === undefined ? 8545 : Number(values.port)
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port > 65535) {
    throw new DevChainCommandError(`--port takes a port number (0 picks a free one), got ${values.port}`)
  }
  const mint = (values.mint ?? []).map((wallet) => {
    if (!isAddress(wallet)) {
      throw new DevChainCommandError(
        `--mint takes an EVM address (0x and 40 hex digits, checksummed if mixed case), got ${wallet}`,
      )
    }
    return getAddress(wallet)
  })
  return { port, mint, help: values.help === true }
}

/** What the command prints once the chain is ready: where it is, what is on it, what to run next. */
export function devChainReport(chain: DemoChain): string {
  const { pass, coin, items } = chain.tokens
  const wallet = (role: string, w: { address: string; privateKey: string }, holds: string) => [
    `  ${role.padEnd(9)} ${w.address}  ${holds}`,
    `            key ${w.privateKey}`,
  ]
  return [
    `Dev chain on ${chain.rpcUrl}, chain ID ${chain.chainId} (the authority's "localhost" chain)`,
    '',
    'Demo tokens',
    `  PASS   ERC-721              ${pass}`,
    `  COIN   ERC-20, 18 decimals  ${coin}`,
    `  ITEM   ERC-1155, id 1       ${items}`,
    '',
    'Dev wallets. DEV ONLY: keys of the public test mnemonic, anyone can take what is sent to them',
    ...wallet('holder', chain.holder, chain.holder.holds),
    ...wallet('outsider', chain.outsider, chain.outsider.holds),
    ...wallet('deployer', chain.deployer, 'deployed the tokens'),
    `  Accounts 0-9 of "${DEFAULT_MNEMONIC}" hold 10000 ETH each.`,
    ...(chain.minted.length > 0
      ? [
          '',
          'Minted (--mint)',
          ...chain.minted.map((m) => `  ${m.address}  PASS #${m.passId}, 100 COIN, 1 item #1`),
        ]
      : []),
    '',
    'Start the authority against it (in another terminal):',
    `  npx picket-authority --rpc localhost=${chain.rpcUrl}`,
    "Gate a route on the pass (fastify-picket registered with chain: 'localhost'):",
    `  config: { picket: { requirements: { contractAddress: '${pass}' }, incremental: true } }`,
    'Ctrl-C stops the chain; its state is not kept.',
    '',
  ].join('\n')
}

/**
 * `picket-authority devchain`: runs until SIGINT or SIGTERM. stdout carries one line,
 * `Dev chain listening on http://127.0.0.1:PORT`, once the tokens are deployed (for scripts to
 * wait on); the report goes to stderr, like the authority's.
 */
export async function runDevChainCommand(args: string[], io: Output): Promise<void> {
  const options = readArgs(args)
  if (options.help) {
    io.out(DEVCHAIN_USAGE)
    return
  }
  let chain: DemoChain
  try {
    chain = await startDemoChain({ port: options.port, mint: options.mint })
  } catch (error) {
    const message = (error as Error).message
    if (/address already in use|os error 98|AddrInUse/i.test(message)) {
      throw new DevChainCommandError(
        `127.0.0.1:${options.port} is already in use (another dev chain or node?). Stop it, or pick ` +
          `another port: picket-authority devchain --port ${options.port + 1}, then ` +
          `picket-authority --rpc localhost=http://127.0.0.1:${options.port + 1}`,
      )
    }
    throw error
  }
  io.err(devChainReport(chain))
  io.out(`Dev chain listening on ${chain.rpcUrl}`)

  let stopping = false
  chain.exited.then(() => {
    if (stopping) return
    io.err('picket-authority devchain: anvil stopped unexpectedly')
    process.exit(1)
  })
  const stop = () => {
    // A second signal while stopping: the user means now.
    if (stopping) process.exit(1)
    stopping = true
    chain.close().then(
      () => process.exit(0),
      (error: unknown) => {
        io.err(`picket-authority devchain: error while stopping: ${(error as Error).message}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
