import { compositeKey } from '@tristack/core';
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
  index(kind: 'user' | 'run' | 'type', value: string): string;
  /** A user's conversation: conversation ids are per user, as in conversation memory. */
  conversationIndex(userId: string, conversationId: string): string;
}

export function auditLogKeys(prefix: string, tenantId: string): AuditLogKeys {
  return {
    log: redisKey(prefix, PRIMITIVE, [tenantId], 'log'),
    head: redisKey(prefix, PRIMITIVE, [tenantId], 'head'),
    registry: redisKey(prefix, PRIMITIVE, [tenantId], 'indexes'),
    index: (kind, value) => redisKey(prefix, PRIMITIVE, [tenantId], `by-${kind}`, value),
    conversationIndex: (userId, conversationId) =>
      redisKey(
        prefix,
        PRIMITIVE,
        [tenantId],
        'by-conversation',
        compositeKey([
          ['user', userId],
          ['conversation', conversationId],
        ]),
      ),
  };
}
