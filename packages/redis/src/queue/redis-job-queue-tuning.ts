import { z } from 'zod';

/** Options of the Redis job queue beyond the ones every driver takes. */
export const redisJobQueueTuningSchema = z.strictObject({
  /** Approximate length the events stream (completions, progress) is trimmed to. @default 10000 */
  eventsMaxLength: z.number().int().min(100).max(10_000_000).default(10_000),
  /**
   * Longest a blocking read waits before looking again (idle workers, result waiters). Closing
   * interrupts it at once with CLIENT UNBLOCK. @default 5000
   */
  blockMs: z.number().int().min(10).max(60_000).default(5000),
  /** Receives the warning when the server may evict queue keys. @default console.warn */
  onWarning: z
    .custom<(message: string) => void>((value) => typeof value === 'function', {
      message: 'onWarning must be a function',
    })
    .optional(),
});
export type RedisJobQueueTuning = z.input<typeof redisJobQueueTuningSchema>;
