import type { z } from 'zod';
import type { semanticCacheOptionsSchema } from './schemas.js';

/** Options every SemanticCache driver takes: the input of `semanticCacheOptionsSchema`, documented there. */
export type SemanticCacheOptions = z.input<typeof semanticCacheOptionsSchema>;
