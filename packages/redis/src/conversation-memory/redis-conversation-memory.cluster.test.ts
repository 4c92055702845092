import { setTimeout as sleep } from 'node:timers/promises';
import { describeConversationMemory } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationMemory } from './redis-conversation-memory.js';

const redis = useRedisCluster();

describeConversationMemory('RedisConversationMemory on a 3-master cluster', () => ({
  create: (options) =>
    new RedisConversationMemory({ ...options, client: redis.cluster, prefix: redis.prefix }),
  wait: sleep,
}));

describe('RedisConversationMemory on a cluster', () => {
  it('spreads users over the masters and keeps each user on one slot', async () => {
    const memory = new RedisConversationMemory({ client: redis.cluster, prefix: redis.prefix });
    const users = Array.from({ length: 12 }, (_, index) => `user-${index}`);
    for (const userId of users)
      for (const conversationId of ['a', 'b'])
        await memory.append({ tenantId: 't', userId, conversationId }, [
          { role: 'user', content: conversationId },
        ]);
    const slotsByUser = new Map<string, Set<number>>();
    for (const master of redis.cluster.masters) {
      const node = await redis.cluster.nodeClient(master);
      for await (const keys of node.scanIterator({ MATCH: `${redis.prefix}:*`, COUNT: 1000 }))
        for (const key of keys) {
          const tag = /\{([^}]*)\}/.exec(key)![1]!;
          const slot = Number(await node.sendCommand(['CLUSTER', 'KEYSLOT', key]));
          slotsByUser.set(tag, (slotsByUser.get(tag) ?? new Set()).add(slot));
        }
    }
    expect(slotsByUser.size).toBe(users.length);
    for (const slots of slotsByUser.values()) expect(slots.size).toBe(1);
    const distinctSlots = new Set([...slotsByUser.values()].map((slots) => [...slots][0]));
    expect(distinctSlots.size).toBeGreaterThan(1);
    for (const userId of users) {
      expect((await memory.listConversations({ tenantId: 't', userId })).length).toBe(2);
      expect(await memory.deleteUser({ tenantId: 't', userId })).toBe(2);
    }
  });
});
