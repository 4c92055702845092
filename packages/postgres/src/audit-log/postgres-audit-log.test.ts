import { setTimeout as sleep } from 'node:timers/promises';
import { AuditChainVerifier, hashAuditEntry } from '@tristack/core/driver-kit';
import { describeAuditLog } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresAuditLog } from './postgres-audit-log.js';

describe.runIf(requiresPostgres('PostgresAuditLog'))('PostgresAuditLog', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['audit-log'] });
  });

  describeAuditLog('PostgresAuditLog', () => ({
    create: (options) => new PostgresAuditLog({ ...options, pool: postgres.pool }),
    wait: sleep,
    cleanup: async () => {
      await postgres.pool.query('TRUNCATE tristack.audit_entries, tristack.audit_heads');
    },
  }));

  it('records in one statement, hashing on the server exactly as hashAuditEntry does', async () => {
    const pool = recordingPool(postgres.pool);
    const log = new PostgresAuditLog({ pool, defaultTenantId: 'one-trip' });
    const event = await log.record({
      type: 'custom.unicode',
      layer: 'tool',
      userId: 'ü-user',
      conversationId: 'c:1',
      data: { text: 'ünïcødé 🚀', nested: { list: [1, 'two'] } },
    });
    expect(pool.statements()).toHaveLength(1);
    expect(pool.checkouts()).toBe(0);
    expect(event.hash).toBe(
      hashAuditEntry({
        id: event.id,
        sequence: event.sequence,
        previousHash: event.previousHash,
        layer: event.layer,
        type: event.type,
        userId: event.userId,
        conversationId: event.conversationId,
        runId: event.runId,
        dataJson: JSON.stringify(event.data),
      }),
    );
    pool.clear();
    await log.query({ userId: 'ü-user', conversationId: 'c:1' });
    expect(pool.statements()).toHaveLength(1);
  });

  it('verify finds a row edited in the table, and the export still checks offline', async () => {
    const log = new PostgresAuditLog({ pool: postgres.pool, defaultTenantId: 'tampered' });
    const events = [];
    for (let index = 0; index < 5; index += 1)
      events.push(await log.record({ type: 'custom.step', layer: 'state', data: { index } }));
    expect(await log.verify()).toMatchObject({ valid: true, checked: 5 });
    await postgres.pool.query(
      `UPDATE tristack.audit_entries SET data_json = '{"index":99}' WHERE tenant_id = 'tampered' AND sequence = 3`,
    );
    const result = await log.verify();
    expect(result.valid).toBe(false);
    expect(result.issues).toMatchObject([{ kind: 'edited', sequence: 3, id: events[2]!.id }]);
    // The same verifier the CLI runs over an export reaches the same verdict.
    const head = await log.head();
    const verifier = new AuditChainVerifier(head.anchor);
    for (const event of (await log.query()).events)
      verifier.push({ ...event, dataJson: JSON.stringify(event.data) });
    expect(verifier.finish(head)).toMatchObject([{ kind: 'edited', sequence: 3 }]);
  });

  it('follow tails the matching events recorded after it starts, across pages, until aborted', async () => {
    const log = new PostgresAuditLog({ pool: postgres.pool, defaultTenantId: 'tail' });
    await log.record({ type: 'custom.before', layer: 'tool', userId: 'ann', data: {} });
    const controller = new AbortController();
    const seen: string[] = [];
    const tail = (async () => {
      for await (const event of log.follow(
        { userId: 'ann', limit: 2 },
        { signal: controller.signal, blockMs: 20 },
      ))
        seen.push(`${event.userId}:${event.type}`);
    })();
    // The tail starts at the head: record until the first event shows, then a burst larger than a page.
    while (seen.length === 0) {
      await log.record({ type: 'custom.first', layer: 'tool', userId: 'ann', data: {} });
      await sleep(30);
    }
    const before = seen.length;
    await log.record({ type: 'custom.other-user', layer: 'tool', userId: 'bob', data: {} });
    for (const index of [1, 2, 3, 4, 5])
      await log.record({ type: `custom.burst-${index}`, layer: 'tool', userId: 'ann', data: {} });
    while (seen.length < before + 5) await sleep(20);
    controller.abort();
    await tail;
    expect(seen).not.toContain('ann:custom.before');
    expect(seen.slice(before)).toEqual([1, 2, 3, 4, 5].map((index) => `ann:custom.burst-${index}`));
  });

  it('keeps tenants apart: a tenant sees neither another tenant’s events nor its head', async () => {
    const log = new PostgresAuditLog({ pool: postgres.pool });
    await log.record({ type: 'custom.a', layer: 'state', tenantId: 'tenant-a', userId: 'u', data: {} });
    expect((await log.query({ tenantId: 'tenant-b', userId: 'u' })).events).toEqual([]);
    expect((await log.head('tenant-b')).sequence).toBe(0);
  });
});
