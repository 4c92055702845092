import { z } from 'zod';
import { parseInput } from '../validation.js';

/** Defaults of `TokenStreamOpenOptions`. */
export const TOKEN_STREAM_DEFAULTS = {
  ttlMs: 3_600_000,
  maxLength: 10_000,
  coalesceMs: 5,
  maxBatchChunks: 256,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
} as const;

// Lua's unpack() is bounded by the C stack (about 8,000 values): keep a batch's XADD well below it.
const MAX_BATCH_CHUNKS = 2_000;

const settingsShape = {
  ttlMs: z
    .number()
    .int()
    .min(10)
    .max(31 * 24 * 3_600_000),
  maxLength: z.number().int().min(1).max(10_000_000),
  coalesceMs: z.number().int().min(0).max(10_000),
  maxBatchChunks: z.number().int().min(1).max(MAX_BATCH_CHUNKS),
  heartbeatIntervalMs: z.number().int().min(0).max(3_600_000),
  heartbeatTimeoutMs: z
    .number()
    .int()
    .min(10)
    .max(24 * 3_600_000),
};

/** Resolved settings of one open stream. */
export type TokenStreamSettings = { [Key in keyof typeof TOKEN_STREAM_DEFAULTS]: number };

/** Per-call overrides accepted by `open` (and, as defaults, by the drivers' constructors). */
export const tokenStreamOpenOptionsSchema = z.object(settingsShape).partial().strict();

/** Merges driver defaults with per-call options and checks the heartbeat pair. */
export const tokenStreamSettingsSchema = z
  .object(settingsShape)
  .refine(
    (settings) =>
      settings.heartbeatIntervalMs === 0 || settings.heartbeatIntervalMs < settings.heartbeatTimeoutMs,
    { message: 'heartbeatTimeoutMs must exceed heartbeatIntervalMs', path: ['heartbeatTimeoutMs'] },
  );

/** A chunk: any string (empty allowed: it still gets an id). */
export const tokenStreamChunkSchema = z.string();

/** The reason given to `cancel`, kept short: it travels in every heartbeat reply. */
export const tokenStreamCancelReasonSchema = z.string().max(1_000).optional();

/** Options every driver takes besides its store: defaults for `open`, and the reader's pacing. */
export const tokenStreamOptionsSchema = tokenStreamOpenOptionsSchema.extend({
  /**
   * Longest single wait of a reader for new entries, in ms. A reader that is aborted while
   * waiting releases its connection when this wait ends.
   * @default 1_000
   */
  blockMs: z.number().int().min(1).max(60_000).default(1_000),
  /**
   * Most entries a reader fetches per round trip.
   * @default 100
   */
  readBatchEntries: z.number().int().min(1).max(10_000).default(100),
});

/** Resolves an `open` call's settings: driver defaults, then the call's options. Throws `InvalidInputError`. */
export function resolveTokenStreamSettings(
  defaults: Partial<TokenStreamSettings>,
  options: unknown,
  driver: string,
): TokenStreamSettings {
  const overrides = parseInput(tokenStreamOpenOptionsSchema, options ?? {}, { what: 'open options', driver });
  return parseInput(
    tokenStreamSettingsSchema,
    { ...TOKEN_STREAM_DEFAULTS, ...defaults, ...overrides },
    { what: 'open options', driver },
  );
}

/** `open` defaults plus the reader's pacing, as every driver's constructor takes them. */
export type TokenStreamOptions = z.input<typeof tokenStreamOptionsSchema>;
