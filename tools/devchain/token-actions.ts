// Deploying and minting the demo tokens is picket-authority's `devchain` code too; one copy.
export * from '../../packages/authority/src/devchain/token-actions.js'
