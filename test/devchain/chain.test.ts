import { createServer } from 'node:net'
import t from 'tap'
import { type Address, hashMessage, keccak256, parseEther, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  DEFAULT_CHAIN_ID,
  demoERC20Abi,
  demoERC721Abi,
  demoERC1155Abi,
  demoERC1271WalletAbi,
  ERC1271_MAGIC_VALUE,
  startDevChain,
} from '../../tools/devchain/index.js'

const chain = await startDevChain()
t.teardown(() => chain.close())

const [deployer, alice, bob] = chain.accounts
if (!deployer || !alice || !bob) throw new Error('expected at least 3 accounts')
const { publicClient } = chain

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function portOf(rpcUrl: string): number {
  return Number(new URL(rpcUrl).port)
}

t.test('serves JSON-RPC on loopback with deterministic funded accounts', async (t) => {
  t.match(chain.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(chain.chainId, DEFAULT_CHAIN_ID)
  t.equal(await publicClient.getChainId(), DEFAULT_CHAIN_ID)
  t.equal(chain.accounts.length, 10)
  // First account of the public test mnemonic.
  t.equal(deployer.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  t.equal(privateKeyToAccount(alice.privateKey).address, alice.address, 'private key matches address')
  t.ok((await publicClient.getBalance({ address: bob.address })) >= parseEther('1000'))
})

t.test('ERC-20: deploy with decimals, mint, transfer', async (t) => {
  const token = await chain.deployERC20({ name: 'USD Coin', symbol: 'USDC', decimals: 6 })
  const read = (address: Address) =>
    publicClient.readContract({
      address: token,
      abi: demoERC20Abi,
      functionName: 'balanceOf',
      args: [address],
    })

  t.equal(await publicClient.readContract({ address: token, abi: demoERC20Abi, functionName: 'decimals' }), 6)
  t.equal(
    await publicClient.readContract({ address: token, abi: demoERC20Abi, functionName: 'symbol' }),
    'USDC',
  )
  t.equal(await read(alice.address), 0n)

  await chain.mintERC20(token, alice.address, 2_500_000n)
  t.equal(await read(alice.address), 2_500_000n, 'a read right after the write sees it')

  await chain.transferERC20(token, alice.privateKey, bob.address, 500_000n)
  t.equal(await read(alice.address), 2_000_000n)
  t.equal(await read(bob.address), 500_000n)

  await t.rejects(chain.transferERC20(token, bob.privateKey, alice.address, 1_000_000n), 'overdraft reverts')
})

t.test('ERC-20 defaults to 18 decimals', async (t) => {
  const token = await chain.deployERC20()
  t.equal(
    await publicClient.readContract({ address: token, abi: demoERC20Abi, functionName: 'decimals' }),
    18,
  )
})

t.test('concurrent writes from one key get distinct nonces', async (t) => {
  const token = await chain.deployERC20()
  await Promise.all([1n, 2n, 3n, 4n, 5n].map((n) => chain.mintERC20(token, bob.address, n)))
  t.equal(
    await publicClient.readContract({
      address: token,
      abi: demoERC20Abi,
      functionName: 'balanceOf',
      args: [bob.address],
    }),
    15n,
  )
})

t.test('ERC-721: mint, ownerOf, transfer moves the balance', async (t) => {
  const nft = await chain.deployERC721({ name: 'Picket Pass', symbol: 'PASS' })
  const balanceOf = (address: Address) =>
    publicClient.readContract({
      address: nft,
      abi: demoERC721Abi,
      functionName: 'balanceOf',
      args: [address],
    })
  const ownerOf = (tokenId: bigint) =>
    publicClient.readContract({ address: nft, abi: demoERC721Abi, functionName: 'ownerOf', args: [tokenId] })

  await chain.mintERC721(nft, alice.address, 1n)
  await chain.mintERC721(nft, alice.address, 2n)
  t.equal(await balanceOf(alice.address), 2n)
  t.equal(await ownerOf(1n), alice.address)

  await chain.transferERC721(nft, alice.privateKey, bob.address, 1n)
  t.equal(await balanceOf(alice.address), 1n)
  t.equal(await balanceOf(bob.address), 1n)
  t.equal(await ownerOf(1n), bob.address)

  await t.rejects(chain.mintERC721(nft, alice.address, 2n), 'a token id is minted once')
  await t.rejects(chain.transferERC721(nft, alice.privateKey, bob.address, 1n), 'only the owner transfers')
  await t.rejects(ownerOf(99n), 'unknown token id')
})

t.test('ERC-1155: mint and transfer per id', async (t) => {
  const multi = await chain.deployERC1155()
  const balanceOf = (address: Address, id: bigint) =>
    publicClient.readContract({
      address: multi,
      abi: demoERC1155Abi,
      functionName: 'balanceOf',
      args: [address, id],
    })

  await chain.mintERC1155(multi, alice.address, 7n, 10n)
  t.equal(await balanceOf(alice.address, 7n), 10n)
  t.equal(await balanceOf(alice.address, 8n), 0n, 'other ids untouched')

  await chain.transferERC1155(multi, alice.privateKey, bob.address, 7n, 4n)
  t.equal(await balanceOf(alice.address, 7n), 6n)
  t.equal(await balanceOf(bob.address, 7n), 4n)
})

t.test('ERC-1271 wallet accepts its owner signature only', async (t) => {
  const owner = privateKeyToAccount(alice.privateKey)
  const stranger = privateKeyToAccount(bob.privateKey)
  const wallet = await chain.deployERC1271Wallet(owner.address)
  const isValidSignature = (hash: `0x${string}`, signature: `0x${string}`) =>
    publicClient.readContract({
      address: wallet,
      abi: demoERC1271WalletAbi,
      functionName: 'isValidSignature',
      args: [hash, signature],
    })

  t.equal(
    await publicClient.readContract({ address: wallet, abi: demoERC1271WalletAbi, functionName: 'owner' }),
    owner.address,
  )

  const hash = keccak256(toHex('any digest'))
  t.equal(await isValidSignature(hash, await owner.sign({ hash })), ERC1271_MAGIC_VALUE)
  t.not(await isValidSignature(hash, await stranger.sign({ hash })), ERC1271_MAGIC_VALUE)
  t.not(
    await isValidSignature(hash, '0x1234'),
    ERC1271_MAGIC_VALUE,
    'malformed signature: invalid, no revert',
  )

  // The sign-in path: the owner personal_signs the message; verifiers check the EIP-191 hash.
  const message = 'localhost wants you to sign in'
  const signature = await owner.signMessage({ message })
  t.equal(await isValidSignature(hashMessage(message), signature), ERC1271_MAGIC_VALUE)
  t.equal(
    await publicClient.verifyMessage({ address: wallet, message, signature }),
    true,
    'viem verifyMessage',
  )
  t.equal(
    await publicClient.verifyMessage({
      address: wallet,
      message,
      signature: await stranger.signMessage({ message }),
    }),
    false,
  )
})

t.test('the ERC-1271 wallet can hold ERC-1155 and ERC-721 tokens', async (t) => {
  const wallet = await chain.deployERC1271Wallet(alice.address)
  const multi = await chain.deployERC1155()
  await chain.mintERC1155(multi, wallet, 1n, 3n)
  t.equal(
    await publicClient.readContract({
      address: multi,
      abi: demoERC1155Abi,
      functionName: 'balanceOf',
      args: [wallet, 1n],
    }),
    3n,
  )
  const nft = await chain.deployERC721()
  await chain.mintERC721(nft, wallet, 1n)
  t.equal(
    await publicClient.readContract({
      address: nft,
      abi: demoERC721Abi,
      functionName: 'ownerOf',
      args: [1n],
    }),
    wallet,
  )
})

t.test('setBalance sets the ETH balance of any address', async (t) => {
  const address = '0x000000000000000000000000000000000000dEaD'
  await chain.setBalance(address, 123n)
  t.equal(await publicClient.getBalance({ address }), 123n)
})

t.test('two chains in one process are independent', async (t) => {
  const other = await startDevChain({ chainId: 31337, accounts: 2 })
  t.teardown(() => other.close())

  t.not(portOf(other.rpcUrl), portOf(chain.rpcUrl))
  t.equal(await other.publicClient.getChainId(), 31337)
  t.equal(other.accounts.length, 2)
  t.equal(other.accounts[0]?.address, deployer.address, 'same mnemonic, same accounts')

  const address = '0x00000000000000000000000000000000000b0b0b'
  await other.setBalance(address, 5n)
  t.equal(await other.publicClient.getBalance({ address }), 5n)
  t.equal(await publicClient.getBalance({ address }), 0n, 'state is per chain')
})

t.test('rejects non-loopback hosts', async (t) => {
  await t.rejects(startDevChain({ host: '0.0.0.0' }), /loopback/)
})

t.test('a taken port rejects the start and leaves nothing running', async (t) => {
  await t.rejects(startDevChain({ port: portOf(chain.rpcUrl) }), { code: 'EADDRINUSE' })
  t.equal(await publicClient.getChainId(), DEFAULT_CHAIN_ID, 'the chain on that port is unaffected')
})

t.test('close is idempotent and frees the port', async (t) => {
  const temporary = await startDevChain({ accounts: 1 })
  const port = portOf(temporary.rpcUrl)
  t.equal(await temporary.publicClient.getChainId(), DEFAULT_CHAIN_ID)
  t.equal(await canListen(port), false, 'port is taken while running')

  await Promise.all([temporary.close(), temporary.close()])
  await temporary.close()
  t.equal(await canListen(port), true, 'port is free after close')
})
