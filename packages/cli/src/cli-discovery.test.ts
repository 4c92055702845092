import type { AuditVerifyResult, QueueStats } from '@tristack/core';
import { RedisAuditLog, RedisJobQueue } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './run-cli.fixture.js';

const redis = useRedis();

function tristack(...args: string[]) {
  return runInProcess(['--url', `${redis.url}/${redis.database}`, ...args]);
}

describe('tristack discovers what the store holds through the drivers’ inspectors', () => {
  it('audit verify --all verifies every tenant with a chain, and exits 1 when one is broken', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    const events = [];
    for (const tenantId of ['north', 'south', 'acme 1'])
      for (let index = 0; index < 2; index++)
        events.push(await log.record({ type: 'cache.miss', tenantId, data: { index } }));
    await redis.client.hSet('tristack:audit:{%zz}:head', 'seq', '1');

    const valid = await tristack('audit', 'verify', '--all', '--json');
    expect(valid.code).toBe(0);
    const state = JSON.parse(valid.stdout) as { tenants: AuditVerifyResult[]; undecodableKeys: string[] };
    expect(state.tenants.map((result) => [result.tenantId, result.valid, result.checked])).toEqual([
      ['acme 1', true, 2],
      ['north', true, 2],
      ['south', true, 2],
    ]);
    expect(state.undecodableKeys).toEqual(['tristack:audit:{%zz}:head']);

    await redis.client.sendCommand(['XDEL', log.keys('south').log, events[2]!.id]);
    const broken = await tristack('audit', 'verify', '--all');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^valid: tenant acme 1, 2 entries checked/m);
    expect(broken.stdout).toMatch(/^BROKEN: tenant south, 1 problem/m);
    expect(broken.stdout).toContain('<undecodable key: tristack:audit:{%zz}:head>');
    expect((await tristack('audit', 'verify', 'north', '--all')).code).toBe(2);
  }, 60_000);

  it('inspect queue without a name lists every queue with its counts', async () => {
    const queue = new RedisJobQueue({ client: redis.client });
    try {
      await queue.enqueue('emails', { n: 1 });
      await queue.enqueue('emails', { n: 2 }, { delayMs: 60_000 });
      await queue.enqueue('reports', { n: 3 });
    } finally {
      await queue.close();
    }
    const json = await tristack('inspect', 'queue', '--json');
    expect(json.code).toBe(0);
    const state = JSON.parse(json.stdout) as {
      queues: { queue: string; stats: QueueStats }[];
      truncated: boolean;
    };
    expect(state.truncated).toBe(false);
    expect(state.queues.map(({ queue: name, stats }) => [name, stats.waiting, stats.delayed])).toEqual([
      ['emails', 1, 1],
      ['reports', 1, 0],
    ]);
    const text = await tristack('inspect', 'queue');
    expect(text.stdout.split('\n')[0]!.split(/\s{2,}/)).toEqual([
      'QUEUE',
      'WAITING',
      'ACTIVE',
      'DELAYED',
      'FAILED',
      'DEAD',
      'COMPLETED',
    ]);
    expect(text.stdout).toMatch(/^emails\s+1\s+0\s+1\s/m);
  }, 60_000);
});
