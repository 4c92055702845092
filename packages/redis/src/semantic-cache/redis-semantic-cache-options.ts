import { z } from 'zod';

/** Options only the Redis driver takes (documented on `RedisSemanticCacheOptions`). */
export const redisSemanticCacheOptionsSchema = z.object({
  vectorBackend: z.enum(['auto', 'vector-sets', 'redisearch', 'none']).default('auto'),
  quantization: z.enum(['Q8', 'NOQUANT']).default('Q8'),
  candidates: z.number().int().min(1).max(100).default(4),
  searchEffort: z.number().int().min(1).max(10_000).optional(),
  janitorBatch: z.number().int().min(1).max(10_000).default(32),
  createIndex: z.boolean().default(true),
  threadedSearch: z.boolean().default(false),
});
export type ResolvedRedisSemanticCacheOptions = z.output<typeof redisSemanticCacheOptionsSchema>;
