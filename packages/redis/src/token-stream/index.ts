export { RedisTokenStream, tokenStreamKeys, type RedisTokenStreamOptions } from './redis-token-stream.js';
