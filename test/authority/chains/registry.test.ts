import t from 'tap'
import { createChainRegistry } from '../../../packages/authority/src/chains/index.js'

t.test('built-in chains: slugs, ids, types (§7) and no default RPC for mainnets', async (t) => {
  const registry = createChainRegistry()
  t.same(
    registry.list().map((c) => [c.slug, c.chainId, c.chainType, c.authorizationSupported]),
    [
      ['ethereum', 1, 'ethereum', false],
      ['polygon', 137, 'ethereum', false],
      ['optimism', 10, 'ethereum', false],
      ['arbitrum', 42161, 'ethereum', false],
      ['avalanche', 43114, 'ethereum', false],
      ['base', 8453, 'ethereum', false],
      ['solana', 101, 'solana', false],
      ['flow', 747, 'flow', false],
      ['localhost', 1337, 'ethereum', true],
    ],
  )
  for (const chain of registry.list()) {
    t.ok(chain.chainId > 0, `${chain.slug}: non-zero chain id (SIWE needs one)`)
    t.ok(chain.publicRPC.startsWith('http'), `${chain.slug}: a publicRPC to show`)
    t.ok(Object.isFrozen(chain), `${chain.slug}: frozen`)
    if (chain.slug !== 'localhost') t.equal(chain.rpcUrl, undefined, `${chain.slug}: no default rpcUrl`)
  }
  t.equal(registry.get('localhost')?.rpcUrl, 'http://127.0.0.1:8545')
  t.equal(registry.get('ethereum')?.chainName, 'Ethereum')
})

t.test('lookup: wagmi aliases map to their chain; slugs are case-sensitive', async (t) => {
  const registry = createChainRegistry()
  t.equal(registry.get('homestead'), registry.get('ethereum'))
  t.equal(registry.get('matic'), registry.get('polygon'))
  t.equal(registry.get('homestead')?.slug, 'ethereum', 'an alias answers with the canonical slug')
  t.equal(registry.get('Ethereum'), undefined)
  t.equal(registry.get('SOLANA'), undefined)
  t.equal(registry.get('nope'), undefined)
  t.equal(registry.get('__proto__'), undefined)
  t.equal(registry.get('constructor'), undefined)
  t.equal(registry.get(''), undefined)
  t.notOk(
    registry.list().some((c) => c.slug === 'homestead' || c.slug === 'matic'),
    'aliases are not listed',
  )
})

t.test('overrides: configure built-ins, add EVM chains, keep the rest', async (t) => {
  const registry = createChainRegistry({
    ethereum: { rpcUrl: 'http://127.0.0.1:9001' },
    matic: { rpcUrl: 'http://127.0.0.1:9002', chainName: 'Polygon PoS' },
    solana: { rpcUrl: 'http://127.0.0.1:9003', dasUrl: 'http://127.0.0.1:9004' },
    flow: { rpcUrl: 'http://127.0.0.1:9005' },
    localhost: { rpcUrl: 'http://127.0.0.1:7545', chainId: 31337 },
    sepolia: { rpcUrl: 'http://127.0.0.1:9006', chainId: 11155111, chainName: 'Sepolia' },
    'anvil-2': { chainId: 31338 },
  })
  const ethereum = registry.get('ethereum')!
  t.equal(ethereum.rpcUrl, 'http://127.0.0.1:9001')
  t.equal(ethereum.authorizationSupported, true, 'an rpcUrl enables token gating')
  t.equal(ethereum.publicRPC, 'https://cloudflare-eth.com', 'the public RPC shown to wallets is unchanged')

  const polygon = registry.get('polygon')!
  t.equal(polygon.rpcUrl, 'http://127.0.0.1:9002', 'an override under an alias configures its chain')
  t.equal(polygon.chainName, 'Polygon PoS')

  const solana = registry.get('solana')!
  t.equal(solana.dasUrl, 'http://127.0.0.1:9004')
  t.equal(solana.authorizationSupported, true)

  t.equal(registry.get('flow')?.authorizationSupported, false, 'Flow has no balance reader, rpcUrl or not')

  const localhost = registry.get('localhost')!
  t.equal(localhost.chainId, 31337)
  t.equal(localhost.publicRPC, 'http://127.0.0.1:7545', 'the local chain is shown with its real RPC')

  const sepolia = registry.get('sepolia')!
  t.same(
    { ...sepolia },
    {
      slug: 'sepolia',
      chainId: 11155111,
      chainType: 'ethereum',
      chainName: 'Sepolia',
      publicRPC: 'http://127.0.0.1:9006',
      authorizationSupported: true,
      rpcUrl: 'http://127.0.0.1:9006',
      rpcUrls: ['http://127.0.0.1:9006'],
    },
  )
  // Several endpoints: tried in order, the first is rpcUrl (and a new chain's public RPC).
  const listed = createChainRegistry({
    'my-l2': { chainId: 424242, rpcUrls: ['http://127.0.0.1:9007', 'http://127.0.0.1:9008'] },
  }).get('my-l2')!
  t.same(listed.rpcUrls, ['http://127.0.0.1:9007', 'http://127.0.0.1:9008'])
  t.equal(listed.rpcUrl, 'http://127.0.0.1:9007')
  t.equal(listed.publicRPC, 'http://127.0.0.1:9007')
  t.equal(listed.authorizationSupported, true)
  const anvil = registry.get('anvil-2')!
  t.equal(anvil.chainName, 'anvil-2')
  t.equal(anvil.authorizationSupported, false)
  t.same(
    registry.list().map((c) => c.slug),
    [
      'ethereum',
      'polygon',
      'optimism',
      'arbitrum',
      'avalanche',
      'base',
      'solana',
      'flow',
      'localhost',
      'sepolia',
      'anvil-2',
    ],
  )
  t.equal(createChainRegistry().get('ethereum')?.rpcUrl, undefined, 'registries do not share state')
})

t.test('overrides: configuration mistakes fail at creation', async (t) => {
  t.throws(() => createChainRegistry({ mychain: { rpcUrl: 'http://127.0.0.1:1' } }), /must set chainId/)
  t.throws(() => createChainRegistry({ ethereum: { chainId: 0 } }), /positive integer/)
  t.throws(() => createChainRegistry({ ethereum: { chainId: 1.5 } }), /positive integer/)
  t.throws(() => createChainRegistry({ ethereum: { rpcUrl: 'not a url' } }), /not a URL/)
  t.throws(() => createChainRegistry({ ethereum: { rpcUrl: 'ws://127.0.0.1:8546' } }), /http\(s\)/)
  t.throws(() => createChainRegistry({ solana: { dasUrl: 'file:///etc/passwd' } }), /http\(s\)/)
  t.throws(() => createChainRegistry({ 'a/b': { chainId: 5 } }), /Invalid chain slug/)
  t.doesNotThrow(() => createChainRegistry({ ethereum: { rpcUrl: '' } }), '"" means not set')
})

t.test('toChainInfo: the wire shape of §2.11 plus chainID (§9 #14), never the RPC URLs', async (t) => {
  const registry = createChainRegistry({ ethereum: { rpcUrl: 'http://user:secret@127.0.0.1:9001/key' } })
  const info = registry.toChainInfo(registry.get('homestead')!)
  t.strictSame(info, {
    chainSlug: 'ethereum',
    chainId: 1,
    chainID: 1,
    chainType: 'ethereum',
    chainName: 'Ethereum',
    publicRPC: 'https://cloudflare-eth.com',
    authorizationSupported: true,
  })
  t.notMatch(JSON.stringify(registry.list().map((c) => registry.toChainInfo(c))), /secret|9001/)
  t.strictSame(registry.toChainInfo(registry.get('solana')!), {
    chainSlug: 'solana',
    chainId: 101,
    chainID: 101,
    chainType: 'solana',
    chainName: 'Solana',
    publicRPC: 'https://api.mainnet-beta.solana.com',
    authorizationSupported: false,
  })
})
