import { TristackError } from '../errors.js';
import type { RateLimitResult } from './rate-limiter.js';

const rateLimitedMarker = Symbol.for('tristack.error.RateLimitedError');

/**
 * A call was denied by the rate limiter (an adapter's `onDenied: 'throw'`). Not retryable. One class
 * for every adapter (each presets its `driver`), so `isInstance` matches whichever adapter threw it.
 */
export class RateLimitedError extends TristackError {
  private readonly [rateLimitedMarker] = true;
  readonly retryable = false as const;
  readonly retryAfterMs: number;
  constructor(what: string, result: RateLimitResult, options: { driver?: string } = {}) {
    super(
      'RATE_LIMITED',
      `${what} rate limited (${result.reason ?? 'limited'}); retry after ${result.retryAfterMs} ms`,
      {
        driver: options.driver ?? 'core',
        details: { retryAfterMs: result.retryAfterMs, rule: result.rule, scope: result.scope },
      },
    );
    this.retryAfterMs = result.retryAfterMs;
  }

  static override isInstance(error: unknown): error is RateLimitedError {
    return TristackError.hasMarker(error, rateLimitedMarker);
  }
}
