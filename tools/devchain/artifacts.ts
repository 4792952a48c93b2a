// The compiled demo contracts ship with picket-authority (its `devchain` command); one copy.
export * from '../../packages/authority/src/devchain/artifacts.js'
