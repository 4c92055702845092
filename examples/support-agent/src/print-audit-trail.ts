import type { AuditEvent, AuditLog } from '@tristack/core';

// The trail as a plain table. `tristack audit run <id>` (the @tristack/cli binary) prints the same
// events with per-type summaries; the CLI is a command, not a library, so the demo renders its own.
const HEADER = ['TIME', 'SEQ', 'LAYER', 'TYPE', 'ACTOR', 'DETAIL'];
const DETAIL_WIDTH = 60;

function detailOf(event: AuditEvent): string {
  const json = JSON.stringify(event.data);
  return json.length > DETAIL_WIDTH ? `${json.slice(0, DETAIL_WIDTH - 1)}…` : json;
}

export function renderAuditTrail(events: readonly AuditEvent[], color = false): string {
  const rows = events.map((event) => [
    new Date(event.timestamp).toISOString(),
    String(event.sequence),
    event.layer,
    event.type,
    event.userId ?? '-',
    detailOf(event),
  ]);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  const header = color ? `\u001b[1m${line(HEADER)}\u001b[0m` : line(HEADER);
  return `${[header, ...rows.map(line)].join('\n')}\n`;
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
