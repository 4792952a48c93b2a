import { readFileSync } from 'node:fs'
import { DEFAULT_USER_AGENT, PACKAGE_VERSION } from 'picket-core/client'
import t from 'tap'

t.test('the User-Agent version is the package version', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  t.equal(PACKAGE_VERSION, pkg.version)
  t.equal(DEFAULT_USER_AGENT, `fastify-picket/${pkg.version}`)
})
