import {
  hasTokenRequirements,
  isAllowedWallet,
  isEmptyRequirements,
  normalizeRequirements,
  RequirementsError,
  requirementsFromBody,
  requirementsKey,
} from 'picket-core'
import t from 'tap'

t.test('absent forms mean no requirements (§9 #4)', async (t) => {
  for (const input of [undefined, null, '', {}]) {
    const r = normalizeRequirements(input)
    t.same(r, {}, JSON.stringify(input))
    t.ok(isEmptyRequirements(r))
    t.ok(Object.isFrozen(r))
  }
  // picket-go before omitempty (§2.11): every field present and empty
  const go = normalizeRequirements({
    contractAddress: '',
    minTokenBalance: '',
    collection: '',
    creatorAddress: '',
    token_ids: null,
    allowedWallets: null,
  })
  t.same(go, {})
})

t.test('every SDK spelling becomes one canonical object', async (t) => {
  t.same(
    normalizeRequirements({
      contractAddress: '0xC',
      minTokenBalance: 1,
      allowedWallets: ['0xA'],
      token_ids: [1, '2'],
      collection: 'COLL',
      creatorAddress: 'CREATOR',
    }),
    {
      contractAddress: '0xC',
      minTokenBalance: '1',
      allowedWallets: ['0xA'],
      tokenIds: ['1', '2'],
      collection: ['COLL'],
      creatorAddress: 'CREATOR',
    },
  )
  t.same(normalizeRequirements({ collection: ['A', 'B'], minTokenBalance: '0.50' }), {
    collection: ['A', 'B'],
    minTokenBalance: '0.5',
  })
  t.same(
    normalizeRequirements({ contract_address: '0xC', min_token_balance: '1e3', creator_address: 'X' }),
    { contractAddress: '0xC', minTokenBalance: '1000', creatorAddress: 'X' },
    'first picket-go snake_case spellings (§9 #31)',
  )
  t.same(
    normalizeRequirements({ tokenIds: ['camel'], token_ids: ['snake'] }),
    { tokenIds: ['camel'] },
    'camelCase wins',
  )
  const frozen = normalizeRequirements({ tokenIds: ['a'] })
  t.ok(Object.isFrozen(frozen.tokenIds), 'lists are frozen too')
  t.equal(normalizeRequirements(frozen), frozen, 'canonical input is returned as is')
})

t.test('empty lists are kept: they fail closed', async (t) => {
  t.same(normalizeRequirements({ allowedWallets: [] }), { allowedWallets: [] })
  t.notOk(isEmptyRequirements(normalizeRequirements({ tokenIds: [] })))
})

t.test('invalid input is a typed error naming the field', async (t) => {
  const cases: [unknown, string, RegExp][] = [
    [[], 'requirements', /must be an object/],
    ['0xC', 'requirements', /must be an object/],
    [{ allowedWallets: '0xA' }, 'allowedWallets', /allowedWallets must be an array/],
    [{ allowedWallets: [1] }, 'allowedWallets', /allowedWallets\[0\]/],
    [{ minTokenBalance: 'lots' }, 'minTokenBalance', /number or a decimal string/],
    [{ minTokenBalance: -1 }, 'minTokenBalance', /negative/],
    [{ minTokenBalance: true }, 'minTokenBalance', /number or a decimal string/],
    [{ minTokenBalance: Number.NaN }, 'minTokenBalance', /number or a decimal string/],
    [{ tokenIds: [{}] }, 'tokenIds', /tokenIds\[0\]/],
    [{ tokenIds: [1.5] }, 'tokenIds', /tokenIds\[0\]/],
    [{ tokenIds: [''] }, 'tokenIds', /tokenIds\[0\]/],
    [{ tokenIds: 'abc' }, 'tokenIds', /must be an array/],
    [{ collection: 5 }, 'collection', /must be an array/],
    [{ contractAddress: 5 }, 'contractAddress', /must be a string/],
    [{ creatorAddress: ['x'] }, 'creatorAddress', /must be a string/],
  ]
  for (const [input, field, message] of cases) {
    try {
      normalizeRequirements(input)
      t.fail(`accepted ${JSON.stringify(input)}`)
    } catch (error) {
      t.type(error, RequirementsError)
      t.equal((error as RequirementsError).field, field, JSON.stringify(input))
      t.match((error as Error).message, message)
    }
  }
})

t.test('prototype keys are not read as requirements', async (t) => {
  const hostile = JSON.parse('{"__proto__": {"contractAddress": "0xEVIL"}, "constructor": {"x": 1}}')
  t.same(normalizeRequirements(hostile), {})
})

t.test('requirements from a request body: nested first, else the top level (§9 #21)', async (t) => {
  t.same(requirementsFromBody({ walletAddress: '0x1', requirements: { contractAddress: '0xC' } }), {
    contractAddress: '0xC',
  })
  t.same(requirementsFromBody({ walletAddress: '0x1', contractAddress: '0xC', minTokenBalance: 2 }), {
    contractAddress: '0xC',
    minTokenBalance: '2',
  })
  t.same(requirementsFromBody({ requirements: {}, allowedWallets: ['0xA'] }), { allowedWallets: ['0xA'] })
  t.same(requirementsFromBody({ walletAddress: '0x1' }), {})
})

t.test('token requirements and the allow-list path', async (t) => {
  t.notOk(hasTokenRequirements(normalizeRequirements({ allowedWallets: ['0xA'] })))
  for (const r of [
    { contractAddress: 'x' },
    { tokenIds: ['x'] },
    { collection: 'x' },
    { creatorAddress: 'x' },
  ]) {
    t.ok(hasTokenRequirements(normalizeRequirements(r)))
  }
  const r = normalizeRequirements({ allowedWallets: ['0xAbC', 'SoLaNa'] })
  t.ok(isAllowedWallet('0xabc', r), 'EVM compares case-insensitively')
  t.ok(isAllowedWallet('0xABC', r, 'ethereum'))
  t.notOk(isAllowedWallet('solana', r, 'solana'), 'Solana is case-sensitive')
  t.ok(isAllowedWallet('SoLaNa', r, 'solana'))
  t.notOk(isAllowedWallet('0xabc', normalizeRequirements({})))
  t.notOk(isAllowedWallet('0xabc', normalizeRequirements({ allowedWallets: [] })))
})

t.test('requirementsKey is stable across spellings and key order, not across lists', async (t) => {
  const a = requirementsKey({ minTokenBalance: 1, contractAddress: '0xC' })
  const b = requirementsKey({ contract_address: '0xC', minTokenBalance: '1.0' })
  t.equal(a, b)
  t.not(
    requirementsKey({ tokenIds: ['a', 'a'] }),
    requirementsKey({ tokenIds: ['a'] }),
    'duplicates count in Picket',
  )
  t.not(
    requirementsKey({ contractAddress: '0xc' }),
    requirementsKey({ contractAddress: '0xC' }),
    'keys are exact',
  )
  t.equal(requirementsKey(undefined), '{}')
})
