import { type AuditEvent, TristackError } from '@tristack/core';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisAuditLog } from './redis-audit-log.js';

// `record` calls of one tenant made while its previous script call is in flight share the next
// one; the chain, the head and the indexes must be exactly what recording them one by one gives.
const redis = useRedis();

function eventOf(tenantId: string, index: number) {
  return {
    type: 'tool.call.executed',
    tenantId,
    userId: `user-${index % 3}`,
    ...(index % 2 === 0 ? { conversationId: `conversation-${index % 4}` } : {}),
    ...(index % 5 === 0 ? {} : { runId: `run-${index % 2}` }),
    data: { tool: 'Search.Web', outcome: 'success', index },
  } as const;
}

function expectLinked(events: AuditEvent[], firstSequence: number): void {
  events.forEach((event, index) => {
    expect(event.sequence).toBe(firstSequence + index);
    if (index > 0) {
      expect(event.previousHash).toBe(events[index - 1]!.hash);
      const [ms, n] = event.id.split('-').map(Number);
      const [previousMs, previousN] = events[index - 1]!.id.split('-').map(Number);
      expect(ms! > previousMs! || (ms === previousMs && n! > previousN!)).toBe(true);
    }
  });
}

describe('RedisAuditLog batches', () => {
  it('records concurrent events of each tenant in few script calls, linked in call order', async () => {
    const connection = recordingConnection(redis.client);
    const log = new RedisAuditLog({ client: connection });
    await log.record({ type: 'cache.miss', tenantId: 'a', data: {} }); // loads the script
    connection.clear();
    const calls = Array.from({ length: 40 }, (_, index) => eventOf(index % 2 === 0 ? 'a' : 'b', index));
    const recorded = await Promise.all(calls.map((event) => log.record(event)));
    // Each tenant's first event goes at once; the other 19 wait for it and go together.
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
    const ofA = recorded.filter((event) => event.tenantId === 'a');
    const ofB = recorded.filter((event) => event.tenantId === 'b');
    expectLinked(ofA, 2);
    expectLinked(ofB, 1);
    recorded.forEach((event, index) => {
      const call = calls[index]!;
      expect(event).toMatchObject({
        tenantId: call.tenantId,
        userId: call.userId,
        data: call.data,
        layer: 'tool',
        type: 'tool.call.executed',
      });
      expect(event.conversationId).toBe('conversationId' in call ? call.conversationId : undefined);
      expect(event.runId).toBe('runId' in call ? call.runId : undefined);
    });
    expect(await log.verify('a')).toMatchObject({ valid: true, checked: 21 });
    expect(await log.verify('b')).toMatchObject({ valid: true, checked: 20 });
    expect((await log.head('b')).lastId).toBe(ofB.at(-1)!.id);
    // Every index holds exactly the events it should, in order.
    const page = (query: Parameters<RedisAuditLog['query']>[0]) =>
      log.query({ ...query, limit: 100 }).then((result) => result.events.map((event) => event.id));
    for (const tenantId of ['a', 'b']) {
      const own = recorded.filter((event) => event.tenantId === tenantId);
      for (const userId of ['user-0', 'user-1', 'user-2']) {
        expect(await page({ tenantId, userId })).toEqual(
          own.filter((event) => event.userId === userId).map((event) => event.id),
        );
        expect(await page({ tenantId, userId, conversationId: 'conversation-0' })).toEqual(
          own
            .filter((event) => event.userId === userId && event.conversationId === 'conversation-0')
            .map((event) => event.id),
        );
      }
      expect(await page({ tenantId, runId: 'run-1' })).toEqual(
        own.filter((event) => event.runId === 'run-1').map((event) => event.id),
      );
      expect(await page({ tenantId, type: 'tool.call.executed' })).toEqual(own.map((event) => event.id));
      expect(await log.query({ tenantId, limit: 100 })).toEqual({
        events: tenantId === 'a' ? [expect.anything(), ...own] : own,
      });
    }
  });

  it('splits a long run of events into bounded script calls that continue one chain', async () => {
    const connection = recordingConnection(redis.client);
    const log = new RedisAuditLog({ client: connection });
    await log.record({ type: 'cache.miss', tenantId: 'many', data: {} });
    connection.clear();
    const recorded = await Promise.all(
      Array.from({ length: 100 }, (_, index) => log.record(eventOf('many', index))),
    );
    // The first at once, then 64 (the bound), then the other 35.
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA']);
    expectLinked(recorded, 2);
    expect(await log.verify('many')).toMatchObject({ valid: true, checked: 101 });
  });

  it('rejects every call of a batch that fails, and the chain stays valid', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    await log.record({ type: 'cache.miss', tenantId: 't', userId: 'u', data: {} });
    // A key of another type where the log stream must be: the script fails at its first XADD.
    const { log: logKey } = log.keys('t');
    const entries = await redis.client.sendCommand(['XRANGE', logKey, '-', '+']);
    await redis.client.del(logKey);
    await redis.client.set(logKey, 'not a stream');
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, (_, index) => log.record(eventOf('t', index))),
    );
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(entries).toHaveLength(1);
    expect((await log.head('t')).sequence).toBe(1);
  });

  it('sends a lone record at once: a record followed by closing the client lands', async () => {
    const client = redis.client.duplicate();
    await client.connect();
    const log = new RedisAuditLog({ client });
    const recorded = log.record({ type: 'cache.miss', tenantId: 'closing', data: {} });
    await client.close();
    expect((await recorded).sequence).toBe(1);
    expect(await new RedisAuditLog({ client: redis.client }).verify('closing')).toMatchObject({
      valid: true,
      checked: 1,
    });
  });

  it('an index that fails fails only its own event (INTEGRITY); the others of its batch are recorded and indexed', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    await log.record({ type: 'cache.miss', tenantId: 'ix', data: {} });
    // A key of another type where u2's user index must be.
    await redis.client.set(log.keys('ix').index('user', 'u2'), 'not a stream');
    const calls = ['u1', 'u2', 'u3'].map((userId) => ({
      type: 'tool.call.executed' as const,
      tenantId: 'ix',
      userId,
      data: { tool: 'Search.Web', outcome: 'success' as const },
    }));
    // The first record is in flight, so the three go in one batch.
    const first = log.record({ type: 'cache.miss', tenantId: 'ix', data: {} });
    const results = await Promise.allSettled(calls.map((event) => log.record(event)));
    await first;
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = (results[1] as PromiseRejectedResult).reason;
    expect(TristackError.hasCode(failure, 'INTEGRITY')).toBe(true);
    expect(String(failure)).toMatch(/WRONGTYPE/);
    for (const userId of ['u1', 'u3'])
      expect((await log.query({ tenantId: 'ix', userId, limit: 10 })).events).toHaveLength(1);
    // u2's type index entry was written before its user index failed: the event is in the chain.
    expect((await log.query({ tenantId: 'ix', type: 'tool.call.executed', limit: 10 })).events).toHaveLength(
      3,
    );
    expect(await log.verify('ix')).toMatchObject({ valid: true, checked: 5 });
  });
});
