import './validation-globals.js';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { uniqueId, useRedisCluster } from '@tristack/testing/redis';
import { afterAll } from 'vitest';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

// The official checkpointer suite on the 3-master cluster: every script of a thread touches one
// slot, and list() across threads goes through the thread registry, never KEYS/SCAN.
const redis = useRedisCluster();
const prefixes: string[] = [];

afterAll(async () => {
  // The harness cleans per-test prefixes; the suite's checkpointers span tests, so clean here.
  for (const master of redis.cluster.masters) {
    const node = await redis.cluster.nodeClient(master);
    for (const prefix of prefixes)
      for await (const keys of node.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
        await Promise.all(keys.map((key) => redis.cluster.del(key)));
  }
});

validate({
  checkpointerName: 'RedisCheckpointSaver',
  createCheckpointer: () => {
    const prefix = uniqueId('lgc').replace('-', '');
    prefixes.push(prefix);
    return new RedisCheckpointSaver({ client: redis.cluster, prefix });
  },
});
