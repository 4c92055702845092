export { RedisBroadcast, type RedisBroadcastOptions } from './redis-broadcast.js';
