/**
 * The token-gated API example on Express: http://127.0.0.1:3001 (env PORT to change it).
 *   npx tsx examples/express-token-gated/main.ts
 */
import { start } from './app.js'

const port = process.env.PORT === undefined ? 3001 : Number(process.env.PORT)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`)
  process.exit(2)
}

const example = await start({ port })
const { pass, coin, holder, outsider } = example.demo
const width = Math.max(...example.routes.map((route) => route.path.length))
console.log(
  [
    'express-picket example: a token-gated Express API, running entirely on this machine',
    '',
    `  API               ${example.url}/api/…`,
    `  Helper routes     ${example.url}/auth/nonce, /auth/login, /auth/authz, /auth/me, /auth/logout`,
    `  Picket API        ${example.authorityUrl}  (the bundled authority, its own server)`,
    `  JWKS              ${example.jwksUrl}`,
    `  Dev chain         ${example.demo.chain.rpcUrl}  (slug "${example.chainSlug}", chain ID ${example.chainId})`,
    '',
    'Demo tokens',
    `  PASS (ERC-721)    ${pass}`,
    `  COIN (ERC-20)     ${coin}`,
    '',
    'Demo wallets (keys from the public test mnemonic: never send real funds to them)',
    `  holder            ${holder.address}  holds PASS #1 and 100 COIN`,
    `                    key ${holder.privateKey}`,
    `  outsider          ${outsider.address}  holds 10 COIN and no pass`,
    `                    key ${outsider.privateKey}`,
    '',
    'Routes',
    ...example.routes.map((route) => `  GET ${route.path.padEnd(width)}  ${route.who}`),
    '',
    'Sign in from a shell: see examples/express-token-gated/README.md.  Stop with Ctrl+C.',
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
