import t from 'tap'
import { closestKey } from '../../packages/core/src/core/did-you-mean.js'

t.test('typos get the closest known key; unrelated words get none', async (t) => {
  const gate = ['requirements', 'optional', 'revalidate', 'incremental']
  t.equal(closestKey('requirement', gate), 'requirements')
  t.equal(closestKey('Requirements', gate), 'requirements', 'case differences')
  t.equal(closestKey('optinoal', gate), 'optional', 'two swapped letters')
  t.equal(closestKey('contractAdress', ['contractAddress', 'collection']), 'contractAddress')
  t.equal(closestKey('allowedwallets', ['allowedWallets']), 'allowedWallets')
  t.equal(closestKey('token_ids', ['tokenIds']), 'tokenIds')
  t.equal(closestKey('isuer', ['issuer', 'audience']), 'issuer')
  t.equal(closestKey('route', ['routes', 'realm']), 'routes')
  t.equal(closestKey('foo', ['hook', 'realm']), undefined)
  t.equal(closestKey('banana', gate), undefined)
})
