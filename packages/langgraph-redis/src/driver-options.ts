import { KEY_PREFIX_PATTERN, KEY_PREFIX_RULE } from '@tristack/redis/driver-kit';
import { z } from 'zod';

// The shared options (`client`, `prefix`) and their check are `RedisDriverOptions` and
// `splitRedisDriverOptions` from @tristack/redis; only what LangGraph adapters add lives here.

/** A key prefix inside an adapter's own options (e.g. the checkpoint saver's `leasePrefix`). */
export const prefixSchema = z.string().regex(KEY_PREFIX_PATTERN, KEY_PREFIX_RULE);

/**
 * Longest TTL an adapter takes: 2^47 ms (about 4,460 years). Added to the server's clock it stays
 * far below Redis's 64-bit expiry limit and exact in a Lua double, so no PEXPIRE or score built
 * from it fails (or rounds) after a script has started writing.
 */
export const MAX_TTL_MS = 2 ** 47;

/** TTL in ms: a positive integer up to `MAX_TTL_MS`, or undefined for no expiry. */
export const ttlMsSchema = z.number().int().positive().max(MAX_TTL_MS).optional();
