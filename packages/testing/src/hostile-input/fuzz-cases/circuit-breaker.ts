// Circuit breakers named by hostile ids: tripping one leaves every other one closed.
import type { CircuitBackendEvent, CircuitBreaker, SharedCircuitBreakerOptions } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

/** Circuit breaker names, fuzzed on the breakers `create` builds with the options it is given. */
export const circuitBreakerFuzzCase =
  <Client>(
    create: FuzzDriverFactory<CircuitBreaker, Client, SharedCircuitBreakerOptions>,
  ): FuzzCase<Client> =>
  async (target) => {
    const api = 'circuit breaker name';
    const breaker = await create(target, api, {
      consecutiveFailures: 1,
      failureRateThreshold: null,
      openMs: 600_000,
      maxOpenMs: 600_000,
      // Store trouble must show as a failure here, not be covered by the local fallback.
      onBackendUnavailable: 'reject',
      backendTimeoutMs: 10_000,
    });
    const backendEvents: CircuitBackendEvent[] = [];
    breaker.onEvent((event) => {
      if (event.type !== 'state-change') backendEvents.push(event);
    });
    const tally = new IdentityTally(api);
    const ids = hostileIds(api, target.count);
    const accepted: number[] = [];
    try {
      // Even names fail once (and trip), odd names succeed once.
      await inChunks(ids, target.concurrency, async (id, index) => {
        const outcome = await tally.attempt(id, async () => {
          const admission = await breaker.acquire(id);
          if (!admission.admitted) throw new Error(`not admitted: ${admission.reason}`);
          await breaker.record(admission.permit, { status: index % 2 === 0 ? 'failure' : 'success' });
        });
        if (outcome === 'accepted') accepted.push(index);
      });
      await inChunks(accepted, target.concurrency, async (index) => {
        const id = ids[index]!;
        const snapshot = await tally.check(id, () => breaker.getState(id));
        const expected = index % 2 === 0 ? { state: 'open', failures: 1 } : { state: 'closed', failures: 0 };
        if (
          snapshot &&
          (snapshot.name !== id ||
            snapshot.state !== expected.state ||
            snapshot.failures !== expected.failures)
        )
          tally.collision(
            id,
            `state ${snapshot.state} with ${snapshot.failures} failures, expected ${JSON.stringify(expected)}`,
          );
        const again = await tally.check(id, () => breaker.acquire(id));
        if (again && again.admitted !== (index % 2 !== 0))
          tally.collision(id, `second acquire admitted=${again.admitted}`);
        if (again?.admitted) await tally.check(id, () => breaker.record(again.permit, { status: 'ignored' }));
      });
    } finally {
      await breaker.close();
    }
    for (const event of backendEvents) tally.fail('(backend)', `${event.type}: ${String(event.error)}`);
    return [tally];
  };
