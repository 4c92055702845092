import { z } from 'zod';
import { idSchema } from '../ids.js';
import { findNonJson } from './canonical-json.js';
import type { Embedder } from './embedder.js';
import type { CachedResponse, SemanticCacheRequest, SemanticCacheScope } from './types.js';

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

export const messageSchema = z.object({
  role: z.string().min(1),
  content: contentSchema,
  name: z.string().optional(),
  toolCallId: z.string().optional(),
  toolCalls: z.array(jsonValueSchema).optional(),
});

const tagsSchema = z
  .record(z.string().min(1).max(128), z.string().max(1024))
  .refine((tags) => Object.keys(tags).length <= 32, 'at most 32 tags');

export const requestSchema = z.object({
  tenant: idSchema,
  model: z.string().min(1).max(256),
  messages: z.array(messageSchema).min(1, 'needs at least one message'),
  system: contentSchema.optional(),
  tools: z.array(jsonValueSchema).optional(),
  toolChoice: jsonValueSchema.optional(),
  sampling: z.record(z.string(), jsonValueSchema).optional(),
  tags: tagsSchema.optional(),
  matchText: z.string().optional(),
});

const tokenUsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
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
  costUsd: z.number().min(0).finite().optional(),
});

export const lookupOptionsSchema = z.object({
  threshold: thresholdSchema.optional(),
  exactOnly: z.boolean().optional(),
});

export const invalidateFilterSchema = z.object({
  tenant: idSchema,
  model: z.string().min(1).optional(),
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
  z.object({ inputPerMillionTokens: z.number().min(0), outputPerMillionTokens: z.number().min(0) }),
);

/** Options every SemanticCache driver takes. */
export const semanticCacheOptionsSchema = z.object({
  /** Namespace of this cache: caches with different names share nothing. */
  name: idSchema.default('default'),
  embedder: embedderSchema.optional(),
  similarityThreshold: thresholdSchema.default(0.9),
  thresholdForScope: z
    .custom<(scope: SemanticCacheScope) => number | undefined>((value) => typeof value === 'function')
    .optional(),
  ttlMs: ttlSchema.default(24 * 3600 * 1000),
  refreshOnHit: z.boolean().default(true),
  maxTemperature: z.number().min(0).default(0.7),
  cacheToolCalls: z.boolean().default(false),
  cacheable: z
    .custom<(request: SemanticCacheRequest, response: CachedResponse) => boolean>(
      (value) => typeof value === 'function',
    )
    .optional(),
  includeHistoryInScope: z.boolean().default(true),
  embeddingCache: z
    .union([
      z.literal(false),
      z.object({
        maxEntries: z.number().int().min(1).default(10_000),
        ttlMs: z.number().int().min(1).default(3_600_000),
      }),
    ])
    .default({ maxEntries: 10_000, ttlMs: 3_600_000 }),
  pricing: pricingSchema.optional(),
  failOpen: z.boolean().default(true),
  onError: z
    .custom<(error: unknown, operation: 'lookup' | 'store') => void>((value) => typeof value === 'function')
    .optional(),
});

export type ParsedSemanticCacheOptions = z.output<typeof semanticCacheOptionsSchema>;

/** Options only the Redis driver takes (documented on `RedisSemanticCacheOptions` in @tristack/redis). */
export const redisSemanticCacheOptionsSchema = z.object({
  vectorBackend: z.enum(['auto', 'vector-sets', 'redisearch', 'none']).default('auto'),
  quantization: z.enum(['Q8', 'NOQUANT']).default('Q8'),
  candidates: z.number().int().min(1).max(100).default(4),
  searchEffort: z.number().int().min(1).max(10_000).optional(),
  janitorBatch: z.number().int().min(1).max(10_000).default(32),
  createIndex: z.boolean().default(true),
  threadedSearch: z.boolean().default(false),
});
