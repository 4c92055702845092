import { fileURLToPath } from 'node:url';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import tamperSource from './lua/tamper-1.fixture.lua.generated.js';
import { RedisAuditLog } from './redis-audit-log.js';

const redis = useRedis();
const WORKER = fileURLToPath(new URL('./fleet-record.fixture.ts', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 5_000;
const TOTAL = PROCESSES * PER_PROCESS;

type Entry = [string, string[]];

// Tampering as an attacker with write access would do it: see ./lua/tamper-1.fixture.lua.

function fieldOf(entry: Entry, name: string): string {
  const fields = entry[1];
  return fields[fields.indexOf(name) + 1]!;
}

describe('RedisAuditLog across processes', () => {
  it(`${PROCESSES} processes record ${PER_PROCESS} events each into one tenant: one chain of ${TOTAL} that verifies, and tampering is found where it happened`, async () => {
    const workers: NodeWorker[] = [];
    try {
      for (let writer = 0; writer < PROCESSES; writer++)
        workers.push(
          spawnNodeWorker(WORKER, [redis.url, String(redis.database), String(writer), String(PER_PROCESS)]),
        );
      await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
      for (const worker of workers) worker.send('go');
      await Promise.all(workers.map((worker) => worker.waitForLine('done', 90_000)));
      expect(await Promise.all(workers.map((worker) => worker.exited()))).toEqual([0, 0, 0, 0]);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }

    const log = new RedisAuditLog({ client: redis.client, defaultTenantId: 'fleet' });
    const intact = await log.verify();
    expect(intact).toMatchObject({ valid: true, checked: TOTAL, issues: [], head: { sequence: TOTAL } });
    const logKey = log.keys().log;
    const entries = (await redis.client.sendCommand(['XRANGE', logKey, '-', '+'])) as Entry[];
    expect(entries).toHaveLength(TOTAL);
    expect(entries.map((entry) => Number(fieldOf(entry, 'seq')))).toEqual(
      Array.from({ length: TOTAL }, (_, index) => index + 1),
    );
    // The writers really interleaved.
    const users = entries.slice(0, TOTAL / 2).map((entry) => fieldOf(entry, 'user'));
    expect(new Set(users).size).toBeGreaterThan(1);
    expect((await log.query({ userId: 'user-2', limit: 1000 })).events).toHaveLength(1000);

    const bySequence = (sequence: number) => entries[sequence - 1]!;
    const edited = bySequence(5_000);
    const deleted = bySequence(10_000);
    const rehashed = bySequence(17_500);
    // Insert after the first entry past 15,000 whose successor leaves room for another id.
    let insertAfter = 15_000;
    while (bySequence(insertAfter + 1)[0] === nextId(bySequence(insertAfter)[0])) insertAfter += 1;
    const forgedId = nextId(bySequence(insertAfter)[0]);

    await redis.client.sendCommand(['XDEL', logKey, deleted[0]]);
    const rebuilt = await redis.client.sendCommand([
      'EVAL',
      tamperSource,
      '1',
      logKey,
      edited[0],
      rehashed[0],
      bySequence(insertAfter)[0],
      forgedId,
    ]);
    expect(rebuilt).toBe(TOTAL - 1);

    const tampered = await log.verify();
    expect(tampered.valid).toBe(false);
    expect(tampered.checked).toBe(TOTAL);
    expect(
      tampered.issues.map(({ kind, id, sequence, missing }) => ({ kind, id, sequence, missing })),
    ).toEqual([
      { kind: 'edited', id: edited[0], sequence: 5_000, missing: undefined },
      { kind: 'deleted', id: bySequence(10_001)[0], sequence: 10_000, missing: 1 },
      { kind: 'inserted', id: forgedId, sequence: insertAfter, missing: undefined },
      { kind: 'edited', id: rehashed[0], sequence: 17_500, missing: undefined },
    ]);
    expect(tampered.issues[2]!.after).toEqual({ id: bySequence(insertAfter)[0], sequence: insertAfter });
    // A range check sees only what lies in its range.
    const firstHalf = await log.verify(undefined, { to: Number(deleted[0].split('-')[0]) - 1 });
    expect(firstHalf.issues.map((issue) => issue.kind)).toEqual(['edited']);
  }, 120_000);
});

function nextId(id: string): string {
  const [ms, counter] = id.split('-');
  return `${ms}-${Number(counter) + 1}`;
}
