import { redisKey } from '../keys.js';

const PRIMITIVE = 'audit';

/** Every key of one tenant's audit log; all share the tenant's hash tag (one cluster slot). */
export interface AuditLogKeys {
  /** Stream: the chain itself. */
  log: string;
  /** Hash: seq, hash, ms, n of the newest entry; anchor_seq, anchor_hash, anchor_id after trimming. */
  head: string;
  /** Sorted set: index stream key → ms of its newest entry, so retention can drop idle indexes. */
  registry: string;
  index(kind: 'user' | 'conversation' | 'run' | 'type', value: string): string;
}

export function auditLogKeys(prefix: string, tenantId: string): AuditLogKeys {
  return {
    log: redisKey(prefix, PRIMITIVE, [tenantId], 'log'),
    head: redisKey(prefix, PRIMITIVE, [tenantId], 'head'),
    registry: redisKey(prefix, PRIMITIVE, [tenantId], 'indexes'),
    index: (kind, value) => redisKey(prefix, PRIMITIVE, [tenantId], `by-${kind}`, value),
  };
}
