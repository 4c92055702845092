export type {
  Broadcast,
  BroadcastTarget,
  BroadcastMessage,
  BroadcastHandler,
  BroadcastSubscription,
} from './broadcast.js';
export {
  broadcastChannelSchema,
  broadcastTargetSchema,
  broadcastMessageSchema,
  broadcastOptionsSchema,
  defaultBroadcastErrorHandler,
  type BroadcastErrorHandler,
} from './broadcast-options.js';
export { globToRegExp } from './glob-pattern.js';
export {
  InMemoryBroadcast,
  InMemoryBroadcastHub,
  inMemoryBroadcastOptionsSchema,
  type InMemoryBroadcastOptions,
} from './in-memory-broadcast.js';
