import { describe, expect, it } from 'vitest';
import { useRedisCluster } from './use-redis.js';

const redis = useRedisCluster();

describe('Redis Cluster harness', () => {
  it('serves a three-master cluster with all slots assigned', async () => {
    expect(redis.cluster.masters.length).toBe(3);
    const info = String(await redis.cluster.sendCommand(undefined, true, ['CLUSTER', 'INFO']));
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_slots_assigned:16384');
  });

  it('runs a multi-key script when the keys share a hash tag, and refuses it across slots', async () => {
    const tagged = [`${redis.prefix}:{user}:a`, `${redis.prefix}:{user}:b`];
    const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return 2";
    expect(await redis.cluster.eval(script, { keys: tagged, arguments: ['x'] })).toBe(2);
    expect(await redis.cluster.get(tagged[1]!)).toBe('x');
    await expect(
      redis.cluster.eval(script, { keys: [`${redis.prefix}:a`, `${redis.prefix}:b`], arguments: ['x'] }),
    ).rejects.toThrow(/CROSSSLOT|different slot/i);
  });
});
