import type { GateExpression, GateNode } from './gate-language.js'

/**
 * A canonical gate written back as the language's JSON, every chain a CAIP-2 id: what the plugin
 * sends to `/authz` and `/auth/validate`. Parsing it again gives the same canonical gate (and
 * the same condition keys) whatever aliases the authority knows.
 */
export function gateExpressionOf(node: GateNode): GateExpression {
  const label = node.label === undefined ? {} : { label: node.label }
  switch (node.type) {
    case 'all':
      return { all: node.of.map(gateExpressionOf), ...label }
    case 'any':
      return { any: node.of.map(gateExpressionOf), ...label }
    case 'atLeast':
      return { atLeast: { n: node.n, of: node.of.map(gateExpressionOf) }, ...label }
    case 'not':
      return { not: gateExpressionOf(node.of), ...label }
    case 'erc20':
      return { erc20: { chain: node.chain, contract: node.contract, ...bounds(node) }, ...label }
    case 'erc721':
      return {
        erc721: {
          chain: node.chain,
          contract: node.contract,
          ...(node.ranges
            ? { ids: node.ranges.map(([low, high]) => (low === high ? low : `${low}-${high}`)) }
            : {}),
          min: node.min,
        },
        ...label,
      }
    case 'erc1155':
      return {
        erc1155: { chain: node.chain, contract: node.contract, id: node.id, ...bounds(node) },
        ...label,
      }
    case 'native':
      return { native: { chain: node.chain, ...bounds(node) }, ...label }
    case 'allowlist':
      return { allowlist: node.wallets, ...label }
    case 'call':
      return {
        call: {
          chain: node.chain,
          contract: node.contract,
          function: node.function,
          args: node.args,
          output: node.output,
          compare: { [node.operator]: node.value },
        },
        ...label,
      }
    case 'splToken':
      return { splToken: { chain: node.chain, mint: node.mint, ...bounds(node) }, ...label }
    case 'metaplexCollection':
      return {
        metaplexCollection: { chain: node.chain, collection: node.collection, min: node.min },
        ...label,
      }
    case 'picket':
      return { picket: { chain: node.chain, ...node.requirements }, ...label }
  }
}

function bounds(node: { min?: string; max?: string }): { min?: string; max?: string } {
  return {
    ...(node.min === undefined ? {} : { min: node.min }),
    ...(node.max === undefined ? {} : { max: node.max }),
  }
}
