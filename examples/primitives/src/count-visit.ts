import { validateId } from '@tristack/core';
import { toRedisConnection, type RedisClientInput } from '@tristack/redis';
import { RedisScript, redisKey } from '@tristack/redis/driver-kit';

// Increment a per-user counter and refresh its TTL in one round trip.
const countScript = new RedisScript(
  'count-visit',
  "local n = redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], ARGV[1]); return n",
);

export async function countVisit(client: RedisClientInput, userId: string, ttlMs = 60_000): Promise<number> {
  const key = redisKey('tristack', 'example', validateId(userId, 'userId'), 'visits');
  return Number(await countScript.run(toRedisConnection(client), [key], [String(ttlMs)]));
}
