/**
 * Typed broker errors. `name` is stable across process and Temporal boundaries so activities
 * can map them: BrokerUnavailableError is retryable (infrastructure), the others are business
 * or caller errors that retrying the same call will not fix.
 */
export class BrokerError extends Error {
  readonly retryable: boolean = false;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Not connected (or not resynchronised) within the allowed time. Retry later. */
export class BrokerUnavailableError extends BrokerError {
  override readonly retryable = true;
}

/** The request cannot be expressed as an IB order (missing strike, LMT without price, ...). */
export class InvalidBrokerRequestError extends BrokerError {}

/** cancelOrder / lookups for a ref the broker has never seen. */
export class UnknownOrderError extends BrokerError {
  constructor(readonly orderRef: string) {
    super(`no broker order with orderRef ${orderRef}`);
  }
}

/** IB refused a request about an existing order (e.g. cancel of a filled order: IB_10147). */
export class BrokerDeclinedError extends BrokerError {
  constructor(
    readonly orderRef: string,
    readonly reason: string,
  ) {
    super(`${orderRef}: ${reason}`);
  }
}
