import { RedisScript } from '@tristack/redis/driver-kit';
import listSource from './lua/list-2.lua.generated.js';
import putWritesSource from './lua/put-writes-7.lua.generated.js';
import putSource from './lua/put-7.lua.generated.js';
import readSource from './lua/read-6.lua.generated.js';

// The Lua lives in ./lua. A thread has a fixed set of keys (one hash tag, so every script runs on a
// cluster): TTL refresh and deleteThread cost O(1) commands. The layout is in each file's header.
export const putCheckpointScript = new RedisScript('langgraph.put', putSource);
export const putWritesScript = new RedisScript('langgraph.put-writes', putWritesSource);
export const readCheckpointsScript = new RedisScript('langgraph.read', readSource);
export const listCheckpointsScript = new RedisScript('langgraph.list', listSource);
