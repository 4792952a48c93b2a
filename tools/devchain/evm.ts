/**
 * The EVM rules the dev chain runs and the contracts are compiled for. They must agree: bytecode
 * compiled for a newer EVM than the chain runs fails at the first unknown opcode.
 *
 * Shanghai is the newest hardfork ganache 7.9.2 implements (no Cancun: no `mcopy`, `tload`,
 * `tstore`). Compiling for Shanghai keeps PUSH0, which OpenZeppelin 5.x's pragma (>= 0.8.20)
 * assumes by default, and makes solc reject any Cancun-only assembly at compile time instead of
 * letting it fail on chain.
 */
export const HARDFORK = 'shanghai'
export const EVM_VERSION = 'shanghai'
