/**
 * "Did you mean …?" for configuration keys: the known key closest to a mistyped one, by
 * case-insensitive edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours), or `undefined` when nothing is close enough to be a plausible typo.
 */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  const wanted = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // A third of the key's length (at least 1, at most 3): 'requirement' → 'requirements',
  // 'contractAdress' → 'contractAddress', 'isuer' → 'issuer', but not 'foo' → 'hook'.
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)))
  return bestDistance <= limit ? best : undefined
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  if (a === b) return 0
  // Keys are short (configuration names); three rows of the table are enough.
  let previous2: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2]! + 1)
      }
      current.push(value)
    }
    previous2 = previous
    previous = current
  }
  return previous[b.length]!
}
