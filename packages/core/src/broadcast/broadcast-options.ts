import { z } from 'zod';
import { idSchema } from '../ids.js';
import type { BroadcastMessage } from './broadcast.js';

/** A channel name: an id (non-empty, ≤ 256 characters, no control characters). */
export const broadcastChannelSchema = idSchema;

/** `subscribe`'s target: a channel, or `{ pattern }` (a glob over channel names). */
export const broadcastTargetSchema = z.union([
  broadcastChannelSchema,
  z.object({ pattern: idSchema }).strict(),
]);

/** A message: any string up to 1 MiB (pub/sub is for notifications, not payloads). */
export const broadcastMessageSchema = z.string().max(1_048_576);

/** Receives what a handler threw; the default prints it. */
export type BroadcastErrorHandler = (error: unknown, message: BroadcastMessage) => void;

export const defaultBroadcastErrorHandler: BroadcastErrorHandler = (error, message) => {
  console.error(`[tristack] [broadcast] a handler for ${message.channel} threw:`, error);
};

export const broadcastOptionsSchema = z.object({
  /**
   * Called with what a handler threw or rejected with; delivery to other handlers goes on.
   * @default prints the error with console.error
   */
  onHandlerError: z.custom<BroadcastErrorHandler>((value) => typeof value === 'function').optional(),
});
