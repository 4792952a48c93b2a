import { mergeTokenBalances } from 'picket-core'
import t from 'tap'

t.test('merges per category, the newer balance winning', async (t) => {
  t.same(
    mergeTokenBalances(
      { contractAddress: { '0xA': '1', '0xB': '2' }, collection: { C: '1' } },
      { contractAddress: { '0xB': '0' }, tokenIds: { T: '3' } },
    ),
    { contractAddress: { '0xA': '1', '0xB': '0' }, collection: { C: '1' }, tokenIds: { T: '3' } },
  )
  t.same(mergeTokenBalances({}, {}), {}, 'no empty categories appear')
})

t.test('keys that look like prototype members stay plain data', async (t) => {
  const hostile = JSON.parse('{"contractAddress": {"__proto__": "5"}}')
  const merged = mergeTokenBalances({}, hostile)
  t.equal(Object.getPrototypeOf(merged.contractAddress), Object.prototype)
  t.equal(Object.keys(merged.contractAddress ?? {}).length, 1)
})
