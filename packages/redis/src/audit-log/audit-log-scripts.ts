import { RedisScript } from '../script.js';
import querySource from './lua/query-3.lua.generated.js';
import recordSource from './lua/record-3+.lua.generated.js';
import trimSource from './lua/trim-3.lua.generated.js';
import verifyPageSource from './lua/verify-page-2.lua.generated.js';

// The Lua lives in ./lua (KEYS, ARGV and replies in each file's header).

/** Appends one event to a tenant's chain atomically (next id, hash, head, secondary indexes). */
export const recordScript = new RedisScript('audit-log:record', recordSource);

/** One page of a query, filtered inside the script. */
export const queryScript = new RedisScript('audit-log:query', querySource);

/** Removes old entries, keeping the anchor so the rest of the chain still verifies. */
export const trimScript = new RedisScript('audit-log:trim', trimSource);

/** The head's fields, in the order `verifyPageScript` returns them and `head()` reads them. */
export const HEAD_FIELDS = ['seq', 'hash', 'ms', 'n', 'anchor_seq', 'anchor_hash', 'anchor_id'] as const;

/** One page of the chain together with the head (HEAD_FIELDS first, in that order), read atomically. */
export const verifyPageScript = new RedisScript('audit-log:verify-page', verifyPageSource);
