/** Helpers for reading response bodies defensively: a body is only ever trusted after a check. */

/** How much of a body an error keeps: enough to recognise an HTML error page, not a whole page. */
const SNIPPET_LENGTH = 200

/** Parses JSON without ever throwing: a non-JSON body is `undefined`, which no shape check accepts. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The start of a body for error messages and logs. */
export function snippetOf(text: string): string {
  return text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text
}
