export { PostgresBroadcast, type PostgresBroadcastOptions } from './postgres-broadcast.js';
