import { TristackError, type TristackErrorOptions } from '../errors.js';

const leaseBusyMarker = Symbol.for('tristack.error.LeaseBusyError');
const leaseLostMarker = Symbol.for('tristack.error.LeaseLostError');

/** Another holder has the lease and it did not free up within `waitMs`. */
export class LeaseBusyError extends TristackError {
  private readonly [leaseBusyMarker] = true;
  readonly resource: string;
  /** How long the current holder's lease still runs, when the store knows (ms). */
  readonly retryAfterMs: number | undefined;
  constructor(
    resource: string,
    options: TristackErrorOptions & { retryAfterMs?: number; waitedMs?: number } = {},
  ) {
    super('LEASE_BUSY', `lease on '${resource}' is held by another holder`, {
      ...options,
      details: {
        resource,
        retryAfterMs: options.retryAfterMs,
        waitedMs: options.waitedMs,
        ...options.details,
      },
    });
    this.resource = resource;
    this.retryAfterMs = options.retryAfterMs;
  }

  static override isInstance(error: unknown): error is LeaseBusyError {
    return TristackError.hasMarker(error, leaseBusyMarker);
  }
}

/** The lease expired or a newer holder has it: the caller must stop writing. */
export class LeaseLostError extends TristackError {
  private readonly [leaseLostMarker] = true;
  readonly resource: string;
  readonly fencingToken: number;
  /** Token of the live lease, when there is one. */
  readonly currentFencingToken: number | undefined;
  constructor(
    resource: string,
    fencingToken: number,
    options: TristackErrorOptions & { currentFencingToken?: number } = {},
  ) {
    const current = options.currentFencingToken;
    super(
      'LEASE_LOST',
      `lease on '${resource}' with fencing token ${fencingToken} is no longer held` +
        (current === undefined ? ' (expired)' : ` (fencing token ${current} holds it now)`),
      { ...options, details: { resource, fencingToken, currentFencingToken: current, ...options.details } },
    );
    this.resource = resource;
    this.fencingToken = fencingToken;
    this.currentFencingToken = current;
  }

  static override isInstance(error: unknown): error is LeaseLostError {
    return TristackError.hasMarker(error, leaseLostMarker);
  }
}
