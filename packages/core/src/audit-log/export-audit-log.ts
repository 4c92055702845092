import type { AuditEvent } from './audit-event.js';
import type { AuditLog, AuditQuery } from './audit-log.js';

/** Every event matching `query`, page by page (one query per page), without loading them all. */
export async function* iterateAuditEvents(log: AuditLog, query: AuditQuery = {}): AsyncGenerator<AuditEvent> {
  let cursor = query.cursor;
  do {
    const page = await log.query({ ...query, limit: query.limit ?? 1000, ...(cursor ? { cursor } : {}) });
    yield* page.events;
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * The events matching `query` as JSON Lines (one event per line, `\n`-terminated), including
 * `sequence`, `previousHash` and `hash`, so an export can be checked offline with `AuditChainVerifier`.
 */
export async function* exportAuditJsonLines(log: AuditLog, query: AuditQuery = {}): AsyncGenerator<string> {
  for await (const event of iterateAuditEvents(log, query)) yield `${JSON.stringify(event)}\n`;
}
