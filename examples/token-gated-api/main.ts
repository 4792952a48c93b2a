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

const example = await start({ port }).catch((error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
  console.error(
    `Port ${port} is already in use: stop what holds it, or pick another, e.g. PORT=${port + 1} npm start`,
  )
  process.exit(1)
})
console.log(startupBanner(example))

// Ctrl-C (or `kill`): close the app and the dev chain, so both ports are free when `npm start`
// returns. A second signal, or a close that hangs for 10 s, exits at once.
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    setTimeout(() => {
      console.error(`not stopped 10 s after ${signal}; exiting`)
      process.exit(1)
    }, 10_000).unref()
    example.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error while stopping: ${(error as Error).message}`)
        process.exit(1)
      },
    )
  })
}
