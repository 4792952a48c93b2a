/**
 * Typed errors of the framework-neutral core. Each carries a stable `code` so callers can
 * branch without matching on messages.
 */

/** Requirements that cannot be understood; `field` names the offending field. */
export class RequirementsError extends Error {
  readonly code = 'PICKET_INVALID_REQUIREMENTS'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'RequirementsError'
  }
}

/**
 * A signing message cannot be built. The messages are the ones picket-js throws (§4.2), so a
 * front end that shows them keeps working against our authority.
 */
export class SigningMessageError extends Error {
  readonly code = 'PICKET_INVALID_SIGNING_MESSAGE'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'SigningMessageError'
  }
}
