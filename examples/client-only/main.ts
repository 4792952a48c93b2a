/**
 * Link-a-wallet example: `npx tsx examples/client-only/main.ts` (env PORT, default 3002;
 * PICKET_SECRET_KEY + PICKET_BASE_URL to use another API, e.g. hosted Picket).
 */
import { start } from './app.js'

const example = await start({
  port: Number(process.env.PORT ?? 3002),
  ...(process.env.PICKET_SECRET_KEY ? { apiKey: process.env.PICKET_SECRET_KEY } : {}),
  ...(process.env.PICKET_BASE_URL ? { baseURL: process.env.PICKET_BASE_URL } : {}),
})
console.log(`Link-a-wallet example on ${example.url} (Picket API ${example.apiUrl}, chain ${example.chain})
  every request: x-demo-account: alice (or bob)
  GET  /account                                  the account
  POST /account/wallet/nonce  { walletAddress }  the nonce to sign
  POST /account/wallet        { walletAddress, signature, context }  link the wallet
  GET  /account/wallet/holds?contractAddress=0x…  does the linked wallet hold it?`)
if (example.local) console.log(`Demo NFT on the local chain: ${example.local.nft}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
