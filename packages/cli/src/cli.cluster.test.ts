import type { CircuitSnapshot } from '@tristack/core';
import { RedisAuditLog, RedisCircuitBreaker } from '@tristack/redis';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import type { CliIo } from './output.js';

const redis = useRedisCluster();

async function run(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {},
  };
  const code = await runCli(
    ['--cluster', '--url', redis.urls.join(','), '--prefix', redis.prefix, ...args],
    io,
  );
  return { code, stdout };
}

describe('tristack against Redis Cluster (--cluster)', () => {
  it('reads trails and verifies chains of tenants on different nodes', async () => {
    const log = new RedisAuditLog({ client: redis.cluster, prefix: redis.prefix });
    for (const tenantId of ['north', 'south', 'east', 'west']) {
      for (let index = 0; index < 3; index += 1) {
        await log.record({
          type: 'cache.miss',
          tenantId,
          conversationId: 'c',
          userId: `u-${tenantId}`,
          data: { index },
        });
      }
    }
    for (const tenantId of ['north', 'south', 'east', 'west']) {
      const verify = await run(['audit', 'verify', tenantId, '--json']);
      expect(verify.code).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ tenantId, valid: true, checked: 3 });
      const trail = await run(['audit', 'conversation', `u-${tenantId}`, 'c', '--tenant', tenantId]);
      expect(
        trail.stdout
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((line) => line.split(/\s{2,}/)[4]),
      ).toEqual([`u-${tenantId}`, `u-${tenantId}`, `u-${tenantId}`]);
    }
  });

  it('lists breakers of hostile names from every master, and a foreign key as such', async () => {
    const names = ['acme 12345', 'x:y}{*', 'é🙂', 'plain'];
    const breaker = new RedisCircuitBreaker({ client: redis.cluster, prefix: redis.prefix });
    try {
      for (const name of names) await breaker.execute(name, () => 'ok');
    } finally {
      await breaker.close();
    }
    const foreign = `${redis.prefix}:circuit-breaker:{%zz}:state`;
    await redis.cluster.hSet(foreign, 'state', 'open');
    const result = await run(['inspect', 'breakers', '--json']);
    expect(result.code).toBe(0);
    const state = JSON.parse(result.stdout) as { breakers: CircuitSnapshot[]; undecodableKeys: string[] };
    expect(state.breakers.map((snapshot) => snapshot.name).sort()).toEqual([...names].sort());
    expect(state.undecodableKeys).toEqual([foreign]);
  });
});
