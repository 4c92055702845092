export { RedisTokenStream, type RedisTokenStreamOptions } from './redis-token-stream.js';
