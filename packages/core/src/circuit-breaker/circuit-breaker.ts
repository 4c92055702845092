import { z } from 'zod';
import { TristackError, type TristackErrorOptions } from '../errors.js';
import { idSchema } from '../ids.js';

/**
 * A circuit breaker keyed by name (`provider:openai`, `toolkit:github`): one state per name,
 * shared by every instance that uses the same backing store (every process, for the Redis driver).
 *
 * closed → open (a trip policy fired) → half-open (after the open period) → closed (probes
 * succeeded) or open again (a probe failed).
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Why a breaker changed state. */
export type CircuitTransitionReason =
  'failure-rate' | 'consecutive-failures' | 'open-elapsed' | 'probe-failed' | 'probes-succeeded' | 'reset';

/** Why a call was not admitted. */
export type CircuitRejectReason = 'open' | 'half-open-full' | 'backend-unavailable';

/** Options every CircuitBreaker driver takes: the trip and recovery policy. All durations are milliseconds. */
export const circuitBreakerOptionsSchema = z
  .object({
    /**
     * Open when failures / calls within the window reach this fraction (and `minimumCalls` were
     * seen). `null` disables the rate policy.
     * @default 0.5
     */
    failureRateThreshold: z.number().gt(0).max(1).nullable().default(0.5),
    /**
     * Length of the sliding window the failure rate is computed over.
     * @default 10_000
     */
    windowMs: z.number().int().min(10).max(86_400_000).default(10_000),
    /**
     * Buckets the window slides by: the window advances in steps of `windowMs / windowBuckets`.
     * @default 10
     */
    windowBuckets: z.number().int().min(1).max(100).default(10),
    /**
     * Calls the window must hold before the rate policy may trip.
     * @default 10
     */
    minimumCalls: z.number().int().min(1).max(1_000_000_000).default(10),
    /**
     * Open after this many failures in a row (fleet-wide). `null` disables the policy.
     * @default null
     */
    consecutiveFailures: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
    /**
     * A successful call that took at least this long counts as a failure. `null` disables it.
     * @default null
     */
    slowCallMs: z.number().int().positive().nullable().default(null),
    /**
     * Which errors count as failures. An error it rejects (a 400, a validation error) counts as a
     * success: the dependency answered.
     * @default every error counts
     */
    isFailure: z
      .custom<(error: unknown) => boolean>((value) => typeof value === 'function', 'must be a function')
      .optional(),
    /**
     * How long the breaker stays open before letting probes through.
     * @default 30_000
     */
    openMs: z.number().int().min(1).max(86_400_000).default(30_000),
    /**
     * Each trip without a close in between multiplies the open period by this (1 = constant).
     * @default 1
     */
    openBackoffMultiplier: z.number().min(1).max(100).default(1),
    /**
     * Upper bound of the growing open period.
     * @default 600_000
     */
    maxOpenMs: z.number().int().min(1).max(86_400_000).default(600_000),
    /**
     * Calls admitted fleet-wide while half-open; that many successes close the breaker, one failure re-opens it.
     * @default 1
     */
    halfOpenProbes: z.number().int().min(1).max(1000).default(1),
    /**
     * Lifetime of a probe token: a prober that crashed or hangs loses its slot after this, so it
     * cannot wedge the breaker half-open. Set it above your slowest call's own timeout.
     * @default 30_000
     */
    probeTtlMs: z.number().int().min(1).max(86_400_000).default(30_000),
    /**
     * Open only when failures came from at least this many distinct instances within the window,
     * so one sick worker cannot open the breaker for the whole fleet.
     * @default 1
     */
    quorum: z.number().int().min(1).max(1000).default(1),
    /**
     * This instance's id in quorum counts and events.
     * @default a random id
     */
    instanceId: idSchema.optional(),
  })
  .refine((policy) => policy.maxOpenMs >= policy.openMs, {
    message: 'maxOpenMs must be >= openMs',
    path: ['maxOpenMs'],
  });

export type CircuitBreakerOptions = z.input<typeof circuitBreakerOptionsSchema>;
export type ResolvedCircuitBreakerOptions = z.output<typeof circuitBreakerOptionsSchema>;

/** Admission to run one protected call. Hand it back to `record` with the outcome. */
export interface CircuitPermit {
  readonly name: string;
  /** The fleet-wide probe token when this call is a half-open probe, else undefined. */
  readonly probeToken: string | undefined;
  /** When the permit was granted (the driver's clock, ms): slow-call detection measures from here. */
  readonly acquiredAt: number;
}

export type CircuitAcquireResult =
  | { readonly admitted: true; readonly state: CircuitState; readonly permit: CircuitPermit }
  | {
      readonly admitted: false;
      readonly state: CircuitState;
      readonly reason: CircuitRejectReason;
      /** A hint: when the breaker may admit calls again (0 when unknown or now). */
      readonly retryAfterMs: number;
    };

/** What happened to a protected call. */
export type CircuitOutcome =
  | { readonly status: 'success'; readonly durationMs?: number }
  | { readonly status: 'failure'; readonly error?: unknown; readonly durationMs?: number }
  /** The call was cancelled or never reached the dependency: counts for nothing, frees a probe slot. */
  | { readonly status: 'ignored' };

export const circuitOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), durationMs: z.number().min(0).finite().optional() }),
  z.object({
    status: z.literal('failure'),
    error: z.unknown().optional(),
    durationMs: z.number().min(0).finite().optional(),
  }),
  z.object({ status: z.literal('ignored') }),
]);

export const circuitPermitSchema = z.object({
  name: idSchema,
  probeToken: z.string().min(1).max(256).optional(),
  acquiredAt: z.number().finite(),
});

/** The breaker as a dashboard sees it. Counts cover the current sliding window. */
export interface CircuitSnapshot {
  readonly name: string;
  readonly state: CircuitState;
  /** While open: ms until probes are let through; else 0. */
  readonly retryAfterMs: number;
  /** Trips since the breaker last closed (drives the growing open period). */
  readonly trips: number;
  readonly calls: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** Distinct instances that reported a failure within the window (quorum mode only, else 0). */
  readonly failingInstances: number;
  readonly probesInFlight: number;
  readonly probeSuccesses: number;
  /** Epoch ms of the last state change, 0 when it never changed. */
  readonly changedAt: number;
}

export interface CircuitStateChange {
  readonly type: 'state-change';
  readonly name: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: CircuitTransitionReason;
  /** Epoch ms (the store's clock) of the change. */
  readonly at: number;
  /** Window counts when the change happened. */
  readonly calls: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly failingInstances: number;
  readonly trips: number;
  /** For `to: 'open'`: how long it stays open. */
  readonly openMs: number;
  /** Id of the instance whose call caused the change. */
  readonly instanceId: string;
  /** 'local' on the instance that caused it (write the audit entry there), 'remote' elsewhere. */
  readonly origin: 'local' | 'remote';
}

/** The shared store became unreachable or came back (drivers with a remote store only). */
export interface CircuitBackendEvent {
  readonly type: 'backend-unavailable' | 'backend-restored';
  readonly at: number;
  readonly error?: unknown;
}

export type CircuitBreakerEvent = CircuitStateChange | CircuitBackendEvent;

export interface CircuitBreaker {
  /** This instance's id (quorum counts, events). */
  readonly instanceId: string;
  /**
   * Runs `fn` when the breaker admits the call and records its outcome; throws `CircuitOpenError`
   * (non-retryable) when it does not. Errors of `fn` are rethrown unchanged.
   */
  execute<T>(name: string, fn: () => T | PromiseLike<T>): Promise<T>;
  /** Asks to run one call. Being rejected is a result, not an exception. */
  acquire(name: string): Promise<CircuitAcquireResult>;
  /** Reports the outcome of an admitted call. Resolves once the shared state has it. */
  record(permit: CircuitPermit, outcome: CircuitOutcome): Promise<void>;
  /** The current shared state, read fresh from the store. */
  getState(name: string): Promise<CircuitSnapshot>;
  /** Forces the breaker closed with empty counts (an operator action). */
  reset(name: string): Promise<void>;
  /** Subscribes to state changes and backend events; returns the unsubscribe function. */
  onEvent(listener: (event: CircuitBreakerEvent) => void): () => void;
  /** Stops timers and subscriptions. Never closes a client the caller passed in. */
  close(): Promise<void>;
}

const circuitOpenMarker = Symbol.for('tristack.error.CircuitOpenError');

/**
 * The breaker did not admit the call. Not retryable: retrying against an open breaker only adds
 * load; use a fallback (another provider, a cached answer) or surface it.
 */
export class CircuitOpenError extends TristackError {
  private readonly [circuitOpenMarker] = true;
  /** Retry policies must not retry this error. */
  readonly retryable = false as const;
  readonly breakerName: string;
  readonly state: CircuitState;
  readonly reason: CircuitRejectReason;
  readonly retryAfterMs: number;

  constructor(
    rejection: {
      name: string;
      state: CircuitState;
      reason: CircuitRejectReason;
      retryAfterMs: number;
    },
    options: TristackErrorOptions = {},
  ) {
    super(
      'CIRCUIT_OPEN',
      `circuit '${rejection.name}' is ${rejection.state} (${rejection.reason}); retry after ${rejection.retryAfterMs} ms`,
      {
        ...options,
        details: { ...options.details, ...rejection, retryable: false },
      },
    );
    this.breakerName = rejection.name;
    this.state = rejection.state;
    this.reason = rejection.reason;
    this.retryAfterMs = rejection.retryAfterMs;
  }

  static override isInstance(error: unknown): error is CircuitOpenError {
    return TristackError.hasMarker(error, circuitOpenMarker);
  }
}
