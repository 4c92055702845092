import { isDeepStrictEqual } from 'node:util';
import { TristackError } from '@tristack/core';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE_VALUE_NAMES, hostileValue } from './hostile-values.js';
import { describeError, settle } from './settle.js';
import { HOSTILE_CASES, type HostileCase } from './state-layer-cases.js';
import type { StateDrivers } from './state-drivers.js';

/**
 * Every public API of the state layer × every hostile value, on one driver family: a typed
 * `TristackError` with a store that did not change, or — for values the position documents as
 * valid — success. Never a RangeError, TypeError or raw server error. Call it inside a test file;
 * `create` builds a fresh set of drivers per case.
 */
export function describeHostileInput(kind: string, create: () => Promise<StateDrivers> | StateDrivers): void {
  const tally = { tried: 0, typed: 0, accepted: 0, partialWrites: 0, untyped: 0 };

  afterAll(() => {
    console.log(
      `[tristack] hostile-input table (${kind}): ${tally.tried} inputs tried, ${tally.typed} typed errors, ` +
        `${tally.accepted} accepted, ${tally.partialWrites} partial writes, ${tally.untyped} untyped errors`,
    );
  });

  /** Runs one case with every value; returns what went wrong, one line per value. */
  async function runCase(drivers: StateDrivers, hostileCase: HostileCase): Promise<string[]> {
    const problems: string[] = [];
    const values =
      hostileCase.values ?? HOSTILE_VALUE_NAMES.map((name) => ({ name, value: () => hostileValue(name) }));
    for (const { name, value } of values) {
      const context = await hostileCase.setup?.(drivers);
      const before = await drivers.snapshot();
      const { error } = await settle(() => hostileCase.call(drivers, value(), context));
      const after = await drivers.snapshot();
      const accepted = (hostileCase.accepts as readonly string[] | undefined)?.includes(name) ?? false;
      tally.tried++;
      if (error === undefined) {
        tally.accepted++;
        if (!accepted) problems.push(`${name}: accepted, expected a typed error`);
        continue;
      }
      if (!TristackError.isInstance(error)) {
        tally.untyped++;
        problems.push(`${name}: untyped ${describeError(error)}`);
      } else {
        tally.typed++;
        if (accepted) problems.push(`${name}: expected to be accepted, got ${describeError(error)}`);
      }
      if (!isDeepStrictEqual(before, after)) {
        tally.partialWrites++;
        problems.push(`${name}: rejected, but changed ${changedParts(before, after).join(', ')}`);
      }
    }
    return problems;
  }

  describe(`hostile input: ${kind} drivers`, () => {
    it('the state dump sees every kind of write (so "nothing changed" means something)', async () => {
      const drivers = await create();
      try {
        const writes: [string, () => Promise<unknown>][] = [
          [
            'memory',
            () =>
              drivers.memory.append({ userId: 'u', conversationId: 'c' }, [{ role: 'user', content: 'x' }]),
          ],
          ['lease', () => drivers.lease.acquire('r')],
          ['limiter', () => drivers.limiter.limit('victim')],
          ['queue', () => drivers.queue.enqueue('jobs', {})],
          ['audit', () => drivers.audit.record({ type: 'custom.note', layer: 'state', data: {} })],
          [
            'cache',
            () =>
              drivers.cache.store(
                { tenant: 't', model: 'm', messages: [{ role: 'user', content: 'q' }] },
                { content: 'a' },
              ),
          ],
        ];
        for (const [what, write] of writes) {
          const before = await drivers.snapshot();
          await write();
          expect(isDeepStrictEqual(before, await drivers.snapshot()), what).toBe(false);
        }
      } finally {
        await drivers.close();
      }
    });

    for (const hostileCase of HOSTILE_CASES)
      it(`${hostileCase.api} ${hostileCase.position}`, { timeout: 120_000 }, async () => {
        const drivers = await create();
        try {
          expect(await runCase(drivers, hostileCase)).toEqual([]);
        } finally {
          await drivers.close();
        }
      });
  });
}

/** Keys, rows or stores whose dump differs. */
function changedParts(before: unknown, after: unknown): string[] {
  const left = before as Record<string, unknown>;
  const right = after as Record<string, unknown>;
  return [...new Set([...Object.keys(left), ...Object.keys(right)])].filter(
    (key) => !isDeepStrictEqual(left[key], right[key]),
  );
}
