/**
 * Remote validation example: `npx tsx examples/remote-validate/main.ts` (env PORT, default 3001;
 * PICKET_SECRET_KEY + PICKET_BASE_URL to use another API, e.g. hosted Picket).
 */
import { LOCAL_PROJECT, start } from './app.js'

const example = await start({
  port: Number(process.env.PORT ?? 3001),
  ...(process.env.PICKET_SECRET_KEY ? { apiKey: process.env.PICKET_SECRET_KEY } : {}),
  ...(process.env.PICKET_BASE_URL ? { baseURL: process.env.PICKET_BASE_URL } : {}),
})
console.log(`Remote validation example on ${example.url}
  GET ${example.url}/api/me        any signed-in wallet (Authorization: Bearer <access token>)
  GET ${example.url}/api/greeting  optional sign-in
Tokens are validated by ${example.apiUrl}/auth/validate, once per token (cached).`)
if (example.authority) {
  console.log(`Local authority: log in there with the publishable key ${LOCAL_PROJECT.publishableKey}
(picket-js: new Picket('${LOCAL_PROJECT.publishableKey}', { baseURL: '${example.apiUrl}' })).`)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
