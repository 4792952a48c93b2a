/**
 * `npm start`: the token-gated API example on http://127.0.0.1:3000 (env PORT to change it).
 */
import { start } from './app.js'
import { startupBanner } from './walkthrough.js'

const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`)
  process.exit(2)
}

const example = await start({ port })
console.log(startupBanner(example))

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
