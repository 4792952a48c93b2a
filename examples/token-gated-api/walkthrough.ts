/**
 * What `npm start` prints: where things are, the demo wallets, the routes, and a copy-paste
 * walkthrough in bash + curl. The walkthrough is a real script: test/examples/token-gated-api
 * runs it against the example, so the commands printed here are known to work.
 */
import type { RunningExample } from './app.js'

const JSON_HEADER = "-H 'content-type: application/json'"
/** Reads a field of the JSON on stdin, with nothing but Node (jq may not be installed). */
const field = (name: string) => `node -pe 'JSON.parse(require("fs").readFileSync(0)).${name}'`

/** Sign in as `$WALLET`/`$KEY`: nonce → SIWE message signed by sign.ts → login → $TOKEN. */
function signInCommands(wallet: string, key: string, tokenVar: string): string[] {
  return [
    `NONCE=$(curl -s $APP/auth/nonce ${JSON_HEADER} -d "{\\"chain\\":\\"$CHAIN\\",\\"walletAddress\\":\\"$${wallet}\\"}")`,
    'echo "$NONCE"',
    `LOGIN=$(echo "$NONCE" | npx tsx examples/token-gated-api/sign.ts --key $${key} --app $APP)`,
    `${tokenVar}=$(curl -s $APP/auth/login ${JSON_HEADER} -d "$LOGIN" | ${field('accessToken')})`,
    `echo "$${tokenVar}"`,
  ]
}

export function walkthroughScript(example: RunningExample): string {
  const { holder, outsider } = example.demo
  const get = (path: string, token?: string) =>
    `curl -s $APP${path}${token ? ` -H "authorization: Bearer $${token}"` : ''}; echo`
  return [
    '# Run from the repository root, while npm start is running.',
    `APP=${example.url}`,
    `CHAIN=${example.chainSlug}`,
    `HOLDER=${holder.address}`,
    `HOLDER_KEY=${holder.privateKey}`,
    `OUTSIDER=${outsider.address}`,
    `OUTSIDER_KEY=${outsider.privateKey}`,
    '',
    '# 1. Sign in as the holder: ask for a nonce, sign the SIWE message (sign.ts does what a',
    '#    wallet does and shows the message on stderr), exchange the signature for a token.',
    ...signInCommands('HOLDER', 'HOLDER_KEY', 'TOKEN'),
    '',
    "# 2. The gates: no token, then the holder's token.",
    get('/api/public'),
    get('/api/members'),
    get('/api/members', 'TOKEN'),
    get('/api/allowlist', 'TOKEN'),
    '# The token carries no balances yet: the pass route asks /authz once and answers with a new',
    '# token that carries the pass balance, in the picket-access-token header. Keep the new one:',
    `curl -si $APP/api/pass-holders -H "authorization: Bearer $TOKEN"; echo`,
    `TOKEN=$(curl -s -D - -o /dev/null $APP/api/pass-holders -H "authorization: Bearer $TOKEN" | sed -n 's/^picket-access-token: *//ip' | tr -d '\\r')`,
    '# Now the pass route decides from the token alone; the live route reads the chain each time.',
    get('/api/pass-holders', 'TOKEN'),
    get('/api/pass-holders/live', 'TOKEN'),
    '',
    '# 3. A signature works once: the same login again is refused (401).',
    `curl -s $APP/auth/login ${JSON_HEADER} -d "$LOGIN"; echo`,
    '',
    '# 4. A wallet without the pass: signed in, but refused by the pass gate (403).',
    ...signInCommands('OUTSIDER', 'OUTSIDER_KEY', 'OTHER'),
    `${get('/api/members', 'OTHER')}`,
    `${get('/api/pass-holders', 'OTHER')}`,
  ].join('\n')
}

export function startupBanner(example: RunningExample): string {
  const { pass, coin, holder, outsider } = example.demo
  const routeWidth = Math.max(...example.routes.map((r) => r.path.length))
  return [
    'fastify-picket example: a token-gated API, running entirely on this machine',
    '',
    `  Sign-in page      ${example.url}/`,
    `  Helper routes     ${example.url}/auth/nonce, /auth/login, /auth/authz, /auth/me, /auth/logout`,
    `  Picket API        ${example.apiUrl}  (the bundled authority; JWKS at /api/v1/.well-known/jwks.json)`,
    `  Dev chain         ${example.demo.chain.rpcUrl}  (slug "${example.chainSlug}", chain ID ${example.chainId})`,
    '',
    'Demo tokens',
    `  PASS (ERC-721)    ${pass}`,
    `  COIN (ERC-20)     ${coin}`,
    '',
    'Demo wallets (keys from the public test mnemonic: never send real funds to them)',
    `  holder            ${holder.address}  ${holder.role}`,
    `                    key ${holder.privateKey}`,
    `  outsider          ${outsider.address}  ${outsider.role}`,
    `                    key ${outsider.privateKey}`,
    '',
    'Routes',
    ...example.routes.map((r) => `  GET ${r.path.padEnd(routeWidth)}  ${r.who}`),
    '',
    'In a browser: open the sign-in page with a wallet extension holding one of the keys above.',
    'Or from a shell (bash + curl), copy and paste:',
    '',
    ...walkthroughScript(example)
      .split('\n')
      .map((line) => (line ? `  ${line}` : '')),
    '',
    'Everything at once, scripted: npm run demo.  Stop with Ctrl+C.',
  ].join('\n')
}
