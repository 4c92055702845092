// Broadcast's user API (also exported from the package root). Material for driver authors (base
// class, schemas, glob matching) is exported from ../driver-kit/index.ts instead.
export type {
  Broadcast,
  BroadcastTarget,
  BroadcastMessage,
  BroadcastHandler,
  BroadcastSubscription,
} from './broadcast.js';
export type { BroadcastErrorHandler } from './broadcast-options.js';
export {
  InMemoryBroadcast,
  InMemoryBroadcastHub,
  type InMemoryBroadcastOptions,
} from './in-memory-broadcast.js';
