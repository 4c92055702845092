import type { AuditEvent, AuditLog } from '@tristack/core';
import { createStyle, describeEvent, renderTable } from '@tristack/cli';

// The columns of `tristack audit run <id>`, rendered by the CLI's own describeEvent/renderTable.
const HEADER = ['TIME', 'SEQ', 'LAYER', 'TYPE', 'ACTOR', 'OUTCOME', 'DETAIL'];

export function renderAuditTrail(events: readonly AuditEvent[], color = false): string {
  const rows = events.map((event) => {
    const summary = describeEvent(event);
    return [
      new Date(event.timestamp).toISOString(),
      String(event.sequence),
      event.layer,
      event.type,
      summary.actor,
      summary.outcome,
      summary.detail,
    ];
  });
  return renderTable(HEADER, rows, createStyle(color));
}

/** Every event of one run (the demo session), oldest first, and whether the hash chain verifies. */
export async function auditTrailOfRun(
  auditLog: AuditLog,
  tenantId: string,
  runId: string,
): Promise<{ events: AuditEvent[]; chainValid: boolean }> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await auditLog.query({ tenantId, runId, limit: 1000, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  const verified = await auditLog.verify(tenantId);
  return { events, chainValid: verified.valid };
}
