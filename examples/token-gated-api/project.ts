/** The example's Picket project. Fixed, so the walkthrough's commands work on every start. */
export const PROJECT = {
  id: '6f1c7a52-3e0b-4f8e-9d2a-5b4c1e7f9a30',
  name: 'Token-gated API example',
  publishableKey: 'pk_example_token_gated_api',
  secretKey: 'sk_example_token_gated_api',
  statement: 'Sign in to the fastify-picket example',
} as const

/** The dev chain's slug in the Picket API (chain ID 1337). */
export const CHAIN = 'localhost'
