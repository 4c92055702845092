// `@tristack/redis/driver-kit`: what a Redis-backed driver outside this package (such as
// @tristack/langgraph-redis, or an application's own script) builds on: scripts run in one round trip,
// keys with one hash tag per owner, the shared driver options. Not repeated at the package root.
export { RedisScript } from '../script.js';
export { DEFAULT_KEY_PREFIX, redisKey } from '../keys.js';
export { splitRedisDriverOptions, KEY_PREFIX_PATTERN, KEY_PREFIX_RULE } from '../driver-options.js';
export { isServerReplyError } from '../connection.js';
export { hashReplyToRecord } from '../replies.js';
