// The demo contracts' typed ABIs ship with picket-authority (its `devchain` command); one copy.
export * from '../../packages/authority/src/devchain/abis.js'
