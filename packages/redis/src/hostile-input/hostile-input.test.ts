import { describeHostileInput } from '@tristack/testing/hostile-input';
import { useRedis } from '@tristack/testing/redis';
import { memoryDrivers, redisDrivers } from './state-drivers.js';

// The state layer's hostile-value table on the Redis drivers (real server) and the in-memory ones.
const redis = useRedis();
describeHostileInput('redis', () => redisDrivers(redis));
describeHostileInput('memory', () => memoryDrivers());
