import { eventually } from '../fleet/eventually.js';
import {
  CircuitOpenError,
  InvalidInputError,
  InvalidOptionsError,
  TristackError,
  type CircuitAcquireResult,
  type CircuitBreaker,
  type CircuitBreakerEvent,
  type CircuitBreakerInspector,
  type CircuitBreakerOptions,
  type CircuitPermit,
  type CircuitStateChange,
} from '@tristack/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

export interface CircuitBreakerConformanceContext {
  /**
   * Creates a breaker instance. Every instance created from one context shares state, like
   * processes of a fleet sharing one store. May throw `InvalidOptionsError`.
   */
  create(options?: CircuitBreakerOptions): CircuitBreaker | Promise<CircuitBreaker>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
  /** Called after each test (after every breaker was closed). */
  cleanup?(): Promise<void>;
}

function permitOf(result: CircuitAcquireResult): CircuitPermit {
  if (!result.admitted) throw new Error(`expected admission, got ${result.reason}`);
  return result.permit;
}

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** Open periods short enough for drivers that keep real time. */
const OPEN_MS = 150;

/**
 * The behaviour every `CircuitBreaker` driver must have: trip policies, minimum calls, which
 * errors count, slow calls, half-open probe limits and expiry, quorum, events, validation.
 */
export function describeCircuitBreaker(
  name: string,
  setup: () => CircuitBreakerConformanceContext | Promise<CircuitBreakerConformanceContext>,
): void {
  describe(`CircuitBreaker conformance: ${name}`, () => {
    let context: CircuitBreakerConformanceContext;
    let created: CircuitBreaker[] = [];
    const create = async (options?: CircuitBreakerOptions) => {
      const breaker = await context.create(options);
      created.push(breaker);
      return breaker;
    };
    const fail = (breaker: CircuitBreaker, breakerName: string, count: number) =>
      recordMany(breaker, breakerName, count, 'failure');
    const succeed = (breaker: CircuitBreaker, breakerName: string, count: number) =>
      recordMany(breaker, breakerName, count, 'success');
    async function recordMany(
      breaker: CircuitBreaker,
      breakerName: string,
      count: number,
      status: 'success' | 'failure',
    ): Promise<void> {
      const permits = await Promise.all(
        Array.from({ length: count }, async () => permitOf(await breaker.acquire(breakerName))),
      );
      await Promise.all(
        permits.map((permit) =>
          breaker.record(permit, status === 'success' ? { status } : { status, error: new HttpError(503) }),
        ),
      );
    }
    /** Trips `breakerName` by consecutive failures (the policy must enable them). */
    async function trip(breaker: CircuitBreaker, breakerName: string, failures: number) {
      for (let index = 0; index < failures; index++) await fail(breaker, breakerName, 1);
      expect((await breaker.getState(breakerName)).state).toBe('open');
    }

    beforeEach(async () => {
      context = await setup();
      created = [];
    });
    afterEach(async () => {
      await Promise.all(created.map((breaker) => breaker.close()));
      await context.cleanup?.();
    });

    it('admits calls while closed and returns what the protected function returns', async () => {
      const breaker = await create();
      expect(await breaker.execute('svc', () => 42)).toBe(42);
      expect(await breaker.execute('svc', async () => 'async')).toBe('async');
      const admission = await breaker.acquire('svc');
      expect(admission).toMatchObject({ admitted: true, state: 'closed' });
      expect(permitOf(admission).probeToken).toBeUndefined();
      await breaker.record(permitOf(admission), { status: 'success' });
      const state = await breaker.getState('svc');
      expect(state).toMatchObject({ name: 'svc', state: 'closed', calls: 3, failures: 0, trips: 0 });
    });

    it('trips on the failure rate once the minimum number of calls is reached', async () => {
      const breaker = await create({ failureRateThreshold: 0.5, minimumCalls: 10, openMs: 60_000 });
      await succeed(breaker, 'rate', 5);
      await fail(breaker, 'rate', 4);
      expect(await breaker.getState('rate')).toMatchObject({ state: 'closed', calls: 9, failures: 4 });
      await fail(breaker, 'rate', 1);
      const state = await breaker.getState('rate');
      expect(state).toMatchObject({ state: 'open', calls: 10, failures: 5, trips: 1 });
      expect(state.retryAfterMs).toBeGreaterThan(50_000);
      expect(state.retryAfterMs).toBeLessThanOrEqual(60_000);
      const rejected = await breaker.acquire('rate');
      expect(rejected).toMatchObject({ admitted: false, state: 'open', reason: 'open' });
      if (!rejected.admitted) expect(rejected.retryAfterMs).toBeGreaterThan(50_000);
    });

    it('stays closed below the failure-rate threshold and below the minimum number of calls', async () => {
      const breaker = await create({ failureRateThreshold: 0.5, minimumCalls: 10 });
      await succeed(breaker, 'healthy', 7);
      await fail(breaker, 'healthy', 3);
      expect(await breaker.getState('healthy')).toMatchObject({ state: 'closed', calls: 10, failures: 3 });
      // 100% failures, but fewer calls than the minimum: not enough evidence to trip.
      await fail(breaker, 'quiet', 9);
      expect(await breaker.getState('quiet')).toMatchObject({ state: 'closed', calls: 9, failures: 9 });
    });

    it('trips on consecutive failures; a success in between resets the run', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 3 });
      await fail(breaker, 'run', 2);
      await succeed(breaker, 'run', 1);
      await fail(breaker, 'run', 2);
      expect(await breaker.getState('run')).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
      await fail(breaker, 'run', 1);
      expect(await breaker.getState('run')).toMatchObject({
        state: 'open',
        consecutiveFailures: 3,
        trips: 1,
      });
    });

    it('counts only the errors the policy says count (429 and 5xx, not 400)', async () => {
      const breaker = await create({
        failureRateThreshold: null,
        consecutiveFailures: 3,
        isFailure: (error) => error instanceof HttpError && (error.status === 429 || error.status >= 500),
      });
      const badRequest = new HttpError(400);
      for (let index = 0; index < 5; index++) {
        // The caller's own error comes back unchanged.
        await expect(
          breaker.execute('errors', () => {
            throw badRequest;
          }),
        ).rejects.toBe(badRequest);
      }
      expect(await breaker.getState('errors')).toMatchObject({ state: 'closed', failures: 0, calls: 5 });
      for (const status of [429, 503, 500]) {
        await expect(
          breaker.execute('errors', async () => {
            throw new HttpError(status);
          }),
        ).rejects.toBeInstanceOf(HttpError);
      }
      expect(await breaker.getState('errors')).toMatchObject({ state: 'open', failures: 3 });
    });

    it('counts a success slower than slowCallMs as a failure', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 2, slowCallMs: 1_000 });
      await breaker.record(permitOf(await breaker.acquire('slow')), { status: 'success', durationMs: 999 });
      await breaker.record(permitOf(await breaker.acquire('slow')), { status: 'success', durationMs: 1_000 });
      expect(await breaker.getState('slow')).toMatchObject({ state: 'closed', failures: 1 });
      await breaker.record(permitOf(await breaker.acquire('slow')), { status: 'success', durationMs: 5_000 });
      expect(await breaker.getState('slow')).toMatchObject({ state: 'open', failures: 2 });
    });

    it('rejects with a non-retryable CircuitOpenError from execute while open, without running the call', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 1, openMs: 60_000 });
      await trip(breaker, 'reject', 1);
      let ran = false;
      const error = await breaker
        .execute('reject', () => {
          ran = true;
        })
        .catch((caught: unknown) => caught);
      expect(ran).toBe(false);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(TristackError.hasCode(error, 'CIRCUIT_OPEN')).toBe(true);
      expect(error).toMatchObject({ retryable: false, breakerName: 'reject', state: 'open', reason: 'open' });
    });

    it('admits at most halfOpenProbes calls across instances once the open period elapsed', async () => {
      const policy = {
        failureRateThreshold: null,
        consecutiveFailures: 1,
        openMs: OPEN_MS,
        halfOpenProbes: 2,
      };
      const fleet = await Promise.all([create(policy), create(policy), create(policy)]);
      await trip(fleet[0]!, 'probe', 1);
      await context.wait(OPEN_MS + 50);
      const attempts = await Promise.all(
        fleet.flatMap((breaker) => [breaker.acquire('probe'), breaker.acquire('probe')]),
      );
      const admitted = attempts.filter((attempt) => attempt.admitted);
      expect(admitted).toHaveLength(2);
      for (const attempt of admitted) expect(permitOf(attempt).probeToken).toEqual(expect.any(String));
      const rejected = attempts.filter((attempt) => !attempt.admitted);
      expect(rejected).toHaveLength(4);
      for (const attempt of rejected)
        expect(attempt).toMatchObject({ state: 'half-open', reason: 'half-open-full' });
      expect(await fleet[1]!.getState('probe')).toMatchObject({ state: 'half-open', probesInFlight: 2 });
    });

    it('closes once every probe succeeded, with fresh counts', async () => {
      const policy = {
        failureRateThreshold: null,
        consecutiveFailures: 2,
        openMs: OPEN_MS,
        halfOpenProbes: 2,
      };
      const [first, second] = await Promise.all([create(policy), create(policy)]);
      await trip(first!, 'recover', 2);
      await context.wait(OPEN_MS + 50);
      const probeA = permitOf(await first!.acquire('recover'));
      const probeB = permitOf(await second!.acquire('recover'));
      await first!.record(probeA, { status: 'success' });
      expect(await first!.getState('recover')).toMatchObject({ state: 'half-open', probeSuccesses: 1 });
      await second!.record(probeB, { status: 'success' });
      expect(await first!.getState('recover')).toMatchObject({
        state: 'closed',
        trips: 0,
        calls: 0,
        failures: 0,
        consecutiveFailures: 0,
      });
      await eventually(async () => {
        const admission = await second!.acquire('recover');
        expect(admission).toMatchObject({ admitted: true, state: 'closed' });
        await second!.record(permitOf(admission), { status: 'ignored' });
      });
    });

    it('re-opens when a probe fails, for a growing open period', async () => {
      const breaker = await create({
        failureRateThreshold: null,
        consecutiveFailures: 1,
        openMs: OPEN_MS,
        openBackoffMultiplier: 100,
        maxOpenMs: 60_000,
      });
      await trip(breaker, 'reopen', 1);
      expect((await breaker.getState('reopen')).retryAfterMs).toBeLessThanOrEqual(OPEN_MS);
      await context.wait(OPEN_MS + 50);
      const probe = permitOf(await breaker.acquire('reopen'));
      await breaker.record(probe, { status: 'failure', error: new HttpError(502) });
      const state = await breaker.getState('reopen');
      expect(state).toMatchObject({ state: 'open', trips: 2 });
      // Second trip: OPEN_MS · 100 = 15 s.
      expect(state.retryAfterMs).toBeGreaterThan(10_000);
      expect(state.retryAfterMs).toBeLessThanOrEqual(15_000);
      expect(await breaker.acquire('reopen')).toMatchObject({ admitted: false, reason: 'open' });
    });

    it('frees the slot of a probe whose token expired; the late prober loses its say', async () => {
      const policy = {
        failureRateThreshold: null,
        consecutiveFailures: 1,
        openMs: OPEN_MS,
        probeTtlMs: 200,
      };
      const [stuck, healthy] = await Promise.all([create(policy), create(policy)]);
      await trip(stuck!, 'expiry', 1);
      await context.wait(OPEN_MS + 50);
      const stuckProbe = permitOf(await stuck!.acquire('expiry'));
      await eventually(async () =>
        expect(await healthy!.acquire('expiry')).toMatchObject({ admitted: false, reason: 'half-open-full' }),
      );
      await context.wait(250);
      const freshProbe = permitOf(await healthy!.acquire('expiry'));
      await stuck!.record(stuckProbe, { status: 'failure' });
      expect((await healthy!.getState('expiry')).state).toBe('half-open');
      await healthy!.record(freshProbe, { status: 'success' });
      expect((await healthy!.getState('expiry')).state).toBe('closed');
    });

    it('frees the slot of a probe recorded as ignored', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 1, openMs: OPEN_MS });
      await trip(breaker, 'ignored', 1);
      await context.wait(OPEN_MS + 50);
      const cancelled = permitOf(await breaker.acquire('ignored'));
      expect(await breaker.acquire('ignored')).toMatchObject({ admitted: false, reason: 'half-open-full' });
      await breaker.record(cancelled, { status: 'ignored' });
      expect(await breaker.getState('ignored')).toMatchObject({ state: 'half-open', probesInFlight: 0 });
      await breaker.record(permitOf(await breaker.acquire('ignored')), { status: 'success' });
      expect((await breaker.getState('ignored')).state).toBe('closed');
    });

    it('shares one state per name across instances and keeps names apart', async () => {
      const policy = { failureRateThreshold: null, consecutiveFailures: 2, openMs: 60_000 };
      const [first, second] = await Promise.all([create(policy), create(policy)]);
      // Failures from two instances add up to one fleet-wide run.
      await fail(first!, 'provider:a', 1);
      await fail(second!, 'provider:a', 1);
      expect((await second!.getState('provider:a')).state).toBe('open');
      await eventually(async () =>
        expect(await first!.acquire('provider:a')).toMatchObject({ admitted: false, reason: 'open' }),
      );
      expect(await first!.acquire('provider:b')).toMatchObject({ admitted: true, state: 'closed' });
      expect((await first!.getState('provider:b')).state).toBe('closed');
    });

    it('counts a permit once, however often it is recorded', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 2 });
      const permit = permitOf(await breaker.acquire('once'));
      await breaker.record(permit, { status: 'failure' });
      await breaker.record(permit, { status: 'failure' });
      expect(await breaker.getState('once')).toMatchObject({ state: 'closed', calls: 1, failures: 1 });
    });

    it('quorum: opens only when failures came from enough distinct instances', async () => {
      const policy = { failureRateThreshold: null, consecutiveFailures: 3, quorum: 2, openMs: 60_000 };
      const [sick, other] = await Promise.all([create(policy), create(policy)]);
      await fail(sick!, 'quorum', 6);
      expect(await sick!.getState('quorum')).toMatchObject({
        state: 'closed',
        consecutiveFailures: 6,
        failingInstances: 1,
      });
      await fail(other!, 'quorum', 1);
      expect(await sick!.getState('quorum')).toMatchObject({ state: 'open', failingInstances: 2 });
    });

    it('emits state changes with reason and counts: local on the cause, remote elsewhere', async () => {
      const policy = {
        failureRateThreshold: 0.5,
        minimumCalls: 4,
        openMs: OPEN_MS,
        consecutiveFailures: null,
      };
      const [cause, observer] = await Promise.all([create(policy), create(policy)]);
      const seenByCause: CircuitBreakerEvent[] = [];
      const seenByObserver: CircuitBreakerEvent[] = [];
      cause.onEvent((event) => seenByCause.push(event));
      const unsubscribe = observer.onEvent((event) => seenByObserver.push(event));
      await succeed(cause, 'events', 2);
      await fail(cause, 'events', 2);
      const opened = seenByCause.find(
        (event): event is CircuitStateChange => event.type === 'state-change' && event.to === 'open',
      );
      expect(opened).toMatchObject({
        name: 'events',
        from: 'closed',
        reason: 'failure-rate',
        calls: 4,
        failures: 2,
        trips: 1,
        openMs: OPEN_MS,
        origin: 'local',
        instanceId: cause.instanceId,
      });
      expect(opened!.at).toBeGreaterThan(0);
      await eventually(() =>
        expect(seenByObserver).toContainEqual(
          expect.objectContaining({ to: 'open', origin: 'remote', instanceId: cause.instanceId }),
        ),
      );
      unsubscribe();
      await context.wait(OPEN_MS + 50);
      await cause.record(permitOf(await cause.acquire('events')), { status: 'success' });
      expect(
        seenByCause
          .filter((event): event is CircuitStateChange => event.type === 'state-change')
          .map((event) => [event.from, event.to, event.reason]),
      ).toEqual([
        ['closed', 'open', 'failure-rate'],
        ['open', 'half-open', 'open-elapsed'],
        ['half-open', 'closed', 'probes-succeeded'],
      ]);
    });

    it('reset closes an open breaker and clears its counts', async () => {
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 1, openMs: 60_000 });
      const events: CircuitBreakerEvent[] = [];
      breaker.onEvent((event) => events.push(event));
      await trip(breaker, 'reset', 1);
      await breaker.reset('reset');
      expect(await breaker.getState('reset')).toMatchObject({ state: 'closed', trips: 0, calls: 0 });
      expect(await breaker.acquire('reset')).toMatchObject({ admitted: true, state: 'closed' });
      expect(events.at(-1)).toMatchObject({
        type: 'state-change',
        from: 'open',
        to: 'closed',
        reason: 'reset',
      });
    });

    it('rejects invalid names, outcomes and options with typed errors, writing nothing', async () => {
      await expect(Promise.resolve().then(() => create({ openMs: -1 }))).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
      await expect(
        Promise.resolve().then(() => create({ openMs: 1_000, maxOpenMs: 10 })),
      ).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(
        Promise.resolve().then(() => create({ failureRateThreshold: 1.5 })),
      ).rejects.toBeInstanceOf(InvalidOptionsError);
      const breaker = await create({ failureRateThreshold: null, consecutiveFailures: 1 });
      await expect(breaker.acquire('')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(breaker.acquire('bad\nname')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(breaker.getState('x'.repeat(300))).rejects.toBeInstanceOf(InvalidInputError);
      await expect(breaker.execute('', () => 1)).rejects.toBeInstanceOf(InvalidInputError);
      const permit = permitOf(await breaker.acquire('valid'));
      await expect(
        breaker.record(permit, { status: 'exploded' } as unknown as { status: 'success' }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(breaker.record(permit, { status: 'failure', durationMs: -5 })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(breaker.record({ ...permit, name: '' }, { status: 'failure' })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      // None of the rejected records counted: one failure would have tripped it.
      expect(await breaker.getState('valid')).toMatchObject({ state: 'closed', calls: 0 });
    });

    it('inspector: lists the breakers that recorded something and reads their state', async () => {
      const breaker = await create({ consecutiveFailures: 2, openMs: 60_000 });
      await succeed(breaker, 'inspected-a', 2);
      await trip(breaker, 'inspected-b', 2);
      const inspector = inspectorOf<CircuitBreakerInspector>(breaker, 'CircuitBreaker');
      const listed = await inspector.list();
      expect(listed).toMatchObject({ undecodable: [], truncated: false });
      expect(listed.found).toEqual(expect.arrayContaining(['inspected-a', 'inspected-b']));
      expect(listed.found).toEqual([...listed.found].sort());
      expect(await inspector.state('inspected-a')).toMatchObject({ state: 'closed', calls: 2, failures: 0 });
      expect(await inspector.state('inspected-b')).toMatchObject({ state: 'open', trips: 1, failures: 2 });
      const bounded = await inspector.list({ limit: 1 });
      expect(bounded.found).toHaveLength(1);
      expect(bounded.truncated).toBe(true);
    });
  });
}
