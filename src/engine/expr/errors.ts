/** A record expression could not be evaluated; the record goes to the dead-letter output. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    /** The expression as written in the spec. */
    readonly expression: string,
    /** Why, without the expression, e.g. `field "value" is missing from the record`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`expression ${JSON.stringify(expression)}: ${reason}`, options);
  }
}
