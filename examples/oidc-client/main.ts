/**
 * The OIDC client example, in one command: the dev chain with the demo tokens, the bundled
 * authority and the web app on http://127.0.0.1:3002 (env PORT to change it).
 *   npx tsx examples/oidc-client/main.ts      (or: npm run example:oidc)
 */
import { start } from './start.js'

const port = process.env.PORT === undefined ? 3002 : Number(process.env.PORT)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`)
  process.exit(2)
}

const example = await start({ port })
const { holder, outsider, pass } = example.demo
console.log(
  [
    'OIDC client example: an ordinary OpenID Connect web app that signs people in with their wallet',
    '',
    `  Open              ${example.url}/`,
    `  Members' room     ${example.url}/members  (wallets holding at least 1 PASS)`,
    `  Authority         ${example.issuer}  (issuer; discovery at /.well-known/openid-configuration)`,
    `  Dev chain         ${example.demo.chain.rpcUrl}  (slug "localhost", chain ID ${example.demo.chain.chainId})`,
    `  PASS (ERC-721)    ${pass}`,
    '',
    'Demo wallets: import a key into a browser wallet pointed at the dev chain (the public test',
    "mnemonic's keys: never send real funds to them)",
    `  holder            ${holder.address}  holds PASS #1: gets into the members' room`,
    `                    key ${holder.privateKey}`,
    `  outsider          ${outsider.address}  holds no PASS: signed in, but refused there`,
    `                    key ${outsider.privateKey}`,
    '',
    'Stop with Ctrl+C.',
  ].join('\n'),
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
