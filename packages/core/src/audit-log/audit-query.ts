import type { AuditEvent } from './audit-event.js';
import type { ParsedAuditQuery } from './audit-log.js';

/** Orders two `<ms>-<n>` ids numerically (string order is wrong across digit counts). */
export function compareAuditIds(left: string, right: string): number {
  const [leftMs = 0, leftCounter = 0] = left.split('-').map(Number);
  const [rightMs = 0, rightCounter = 0] = right.split('-').map(Number);
  return leftMs - rightMs || leftCounter - rightCounter;
}

/** True when `event` passes every filter of `query` (cursor and limit aside). */
export function matchesAuditQuery(event: AuditEvent, query: ParsedAuditQuery): boolean {
  return (
    (query.conversationId === undefined || event.conversationId === query.conversationId) &&
    (query.userId === undefined || event.userId === query.userId) &&
    (query.runId === undefined || event.runId === query.runId) &&
    (query.type === undefined || event.type === query.type) &&
    (query.layer === undefined || event.layer === query.layer) &&
    (query.from === undefined || event.timestamp >= query.from) &&
    (query.to === undefined || event.timestamp <= query.to)
  );
}
