import { z } from 'zod';
import { idSchema, isWellFormedText } from '../ids.js';
import { findNonJson } from './canonical-json.js';
import type { Embedder } from './embedder.js';
import type { NearMissGuard } from './near-miss-guard/near-miss-guard.js';
import type {
  CachedResponse,
  SemanticCacheJudgeInput,
  SemanticCacheRequest,
  SemanticCacheScope,
} from './types.js';

/** Any JSON value (object properties may be `undefined`; they are dropped). */
export const jsonValueSchema = z.unknown().superRefine((value, context) => {
  const problem = findNonJson(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

const contentBlockSchema = z.looseObject({ type: z.string().min(1) }).superRefine((value, context) => {
  const problem = findNonJson(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const contentSchema = z.union([z.string(), z.array(contentBlockSchema)]);

/**
 * Text that names something — a model, a tag, a participant, a tool call — rather than prompt
 * text: well-formed UTF-16 only. A lone surrogate has no UTF-8 form, so it could not be stored and
 * read back as itself (the Redis driver's scripts refuse its JSON escape).
 */
const wellFormed = <Schema extends z.ZodString>(schema: Schema) =>
  schema.refine(isWellFormedText, 'must be well-formed UTF-16 (no lone surrogate)');

export const messageSchema = z.object({
  role: z.string().min(1),
  content: contentSchema,
  name: wellFormed(z.string()).optional(),
  toolCallId: wellFormed(z.string()).optional(),
  toolCalls: z.array(jsonValueSchema).optional(),
});

// Tags are scope, like the tenant: hashed exactly and stored for invalidation, so well-formed.
const tagsSchema = z
  .record(wellFormed(z.string().min(1).max(128)), wellFormed(z.string().max(1024)))
  .refine((tags) => Object.keys(tags).length <= 32, 'at most 32 tags');

export const requestSchema = z.object({
  tenant: idSchema,
  user: idSchema.optional(),
  model: wellFormed(z.string().min(1).max(256)),
  messages: z.array(messageSchema).min(1, 'needs at least one message'),
  system: contentSchema.optional(),
  tools: z.array(jsonValueSchema).optional(),
  toolChoice: jsonValueSchema.optional(),
  sampling: z.record(z.string(), jsonValueSchema).optional(),
  tags: tagsSchema.optional(),
  matchText: z.string().optional(),
});

/**
 * Most tokens one side of a call may count (1e9). Keeps every stored usage, and the stats counters
 * a hit adds it to, far inside Redis' integer range.
 */
export const MAX_TOKENS = 1e9;
/** Largest cost one entry may save, in USD (1e6): sums of them stay finite. */
export const MAX_COST_USD = 1e6;
const tokenCountSchema = z.number().int().min(0).max(MAX_TOKENS);

const tokenUsageSchema = z.object({
  inputTokens: tokenCountSchema,
  outputTokens: tokenCountSchema,
});

export const responseSchema = z.object({
  content: contentSchema,
  toolCalls: z.array(jsonValueSchema).optional(),
  isError: z.boolean().optional(),
  finishReason: z.string().optional(),
  usage: tokenUsageSchema.optional(),
  payload: jsonValueSchema.optional(),
});

/** Longest entry TTL: a year. Entries never live forever. */
export const MAX_TTL_MS = 365 * 24 * 3600 * 1000;
const ttlSchema = z.number().int().min(1).max(MAX_TTL_MS);
const thresholdSchema = z.number().min(0).max(1);

export const storeOptionsSchema = z.object({
  ttlMs: ttlSchema.optional(),
  usage: tokenUsageSchema.optional(),
  costUsd: z.number().min(0).max(MAX_COST_USD).optional(),
});

export const lookupOptionsSchema = z.object({
  threshold: thresholdSchema.optional(),
  exactOnly: z.boolean().optional(),
});

export const invalidateFilterSchema = z.object({
  tenant: idSchema,
  model: wellFormed(z.string().min(1)).optional(),
  tags: tagsSchema.optional(),
  entryIds: z
    .array(z.string().regex(/^[0-9a-f]{32}$/, 'not an entry id'))
    .max(1000)
    .optional(),
});

export const statsFilterSchema = z.object({ tenant: idSchema.optional() }).optional();

const embedderSchema = z.custom<Embedder>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Embedder).embed === 'function' &&
    typeof (value as Embedder).id === 'string' &&
    (value as Embedder).id.length > 0 &&
    Number.isInteger((value as Embedder).dimensions) &&
    (value as Embedder).dimensions > 0,
  'must be an Embedder: { id, dimensions, embed(texts) }',
);

const pricingSchema = z.record(
  z.string(),
  z.object({
    inputPerMillionTokens: z.number().min(0).max(MAX_COST_USD),
    outputPerMillionTokens: z.number().min(0).max(MAX_COST_USD),
  }),
);

const guardSchema = z.custom<NearMissGuard>(
  (value) =>
    typeof value === 'object' && value !== null && typeof (value as NearMissGuard).check === 'function',
  'must be a NearMissGuard: { check(stored, query) }, or false',
);

/** Options every SemanticCache driver takes (`SemanticCacheOptions` is its input type). */
export const semanticCacheOptionsSchema = z
  .object({
    /** Namespace of this cache: caches with different names share nothing. @default 'default' */
    name: idSchema.default('default'),
    /** Turns match texts into vectors. @default new LocalNgramEmbedder() (offline, 384 dimensions) */
    embedder: embedderSchema.optional(),
    /**
     * Minimum cosine similarity (0–1, inclusive) for a semantic hit. `0` returns the nearest in-scope
     * entry whatever it is; `1` only an identical vector (similarities are rounded to 6 decimals).
     * @default 0.9
     */
    similarityThreshold: thresholdSchema.default(0.9),
    /** A threshold per scope (e.g. stricter for one model or tag); `undefined` falls back to `similarityThreshold`. */
    thresholdForScope: z
      .custom<(scope: SemanticCacheScope) => number | undefined>((value) => typeof value === 'function')
      .optional(),
    /** Entry time to live. @default 86_400_000 (one day) */
    ttlMs: ttlSchema.default(24 * 3600 * 1000),
    /**
     * A hit restarts the entry's TTL, unless the last restart (or the store) was less than a tenth of
     * the TTL ago, at most a minute: hits on a hot entry then write nothing to it (PostgreSQL
     * restarts it on every hit). @default true
     */
    refreshOnHit: z.boolean().default(true),
    /**
     * Requests with `sampling.temperature` above this are neither stored nor looked up: the caller
     * asked for variety. Requests without a temperature are cacheable. @default 0.7
     */
    maxTemperature: z.number().min(0).default(0.7),
    /** Cache responses that contain tool calls. @default false */
    cacheToolCalls: z.boolean().default(false),
    /** Extra do-not-cache rule: return false to refuse a response. */
    cacheable: z
      .custom<(request: SemanticCacheRequest, response: CachedResponse) => boolean>(
        (value) => typeof value === 'function',
      )
      .optional(),
    /**
     * Earlier conversation turns are part of the scope, so "and in Python?" after two different
     * questions never shares an answer. Turn off only for stateless single-turn prompts. When off,
     * requests that carry tool results are neither looked up nor stored (`not-cacheable`,
     * `tool-results`): their answer depends on what the tools returned for that caller. @default true
     */
    includeHistoryInScope: z.boolean().default(true),
    /** Cache of embeddings by text, per process; `false` embeds every time. @default { maxEntries: 10_000, ttlMs: 3_600_000 } */
    embeddingCache: z
      .union([
        z.literal(false),
        z.object({
          maxEntries: z.number().int().min(1).default(10_000),
          ttlMs: z.number().int().min(1).default(3_600_000),
        }),
      ])
      .default({ maxEntries: 10_000, ttlMs: 3_600_000 }),
    /** USD per million tokens by model id, to account cost saved when `store` gets no `costUsd`. */
    pricing: pricingSchema.optional(),
    /** Backend or embedder failures become misses (lookup) and skipped stores instead of errors. @default true */
    failOpen: z.boolean().default(true),
    /**
     * Called with each failure `failOpen` turned into a miss or a skipped store (log it, count it),
     * and with each failure of work a call left running after it returned (a served hit's TTL
     * restart on Redis), whatever `failOpen`. Its own failure (a throw, a rejected promise) is
     * ignored.
     */
    onError: z
      .custom<(error: unknown, operation: 'lookup' | 'store') => void>((value) => typeof value === 'function')
      .optional(),
    /**
     * Runs between the vector match and the hit: the cached prompt and the query must agree on what
     * flips meaning (numbers, dates, names, negation, direction, action, quantifiers). `false` turns
     * it off; `combineGuards(defaultNearMissGuard, yours)` extends it. Rejections are counted in
     * `stats().guardRejections`. @default defaultNearMissGuard
     */
    guard: z.union([z.literal(false), guardSchema]).optional(),
    /**
     * Asked about candidates in `judgeBand` that passed the guard (e.g. a small model: "do these two
     * requests ask for the same thing?"); `true` makes the hit. Called at most once per candidate, and
     * only for lookups that would otherwise hit or miss on a candidate in the band. A throw is a
     * failure like the embedder's (`failOpen` makes it a miss).
     */
    judge: z
      .custom<(input: SemanticCacheJudgeInput) => Promise<boolean>>((value) => typeof value === 'function')
      .optional(),
    /**
     * With `judge`: `[low, high]`. A candidate at or above `high` hits on the guard alone; from `low`
     * up to `high` (exclusive) the judge decides; below `low` it misses. `low` replaces
     * `similarityThreshold` as the cache's threshold; a per-call or per-scope threshold still sets the
     * floor (so `threshold: 1` stays exact and never reaches the judge).
     */
    judgeBand: z
      .tuple([thresholdSchema, thresholdSchema])
      .refine(([low, high]) => low <= high, 'low must not be above high')
      .optional(),
  })
  .refine((options) => (options.judge === undefined) === (options.judgeBand === undefined), {
    message: 'judge and judgeBand go together',
    path: ['judgeBand'],
  });

export type ResolvedSemanticCacheOptions = z.output<typeof semanticCacheOptionsSchema>;
