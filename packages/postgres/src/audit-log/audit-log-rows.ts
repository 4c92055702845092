import type { AuditChainHead, AuditEvent, AuditEventType, AuditLayer } from '@tristack/core';
import { type AuditChainEntry, auditGenesisHash } from '@tristack/core/driver-kit';

/** A row of `tristack_audit_entries` as `pg` returns it (bigint columns arrive as text). */
export interface AuditEntryRow {
  ms: string;
  n: string;
  sequence: string;
  previous_hash: string;
  hash: string;
  layer: string;
  type: string;
  user_id: string | null;
  conversation_id: string | null;
  run_id: string | null;
  data_json: string;
}

/** A row of `tristack_audit_heads`, or undefined when the tenant never recorded. */
export interface AuditHeadRow {
  sequence: string;
  hash: string | null;
  last_ms: string | null;
  last_n: string | null;
  anchor_sequence: string;
  anchor_hash: string | null;
  anchor_id: string | null;
}

/** The columns every entry read selects, in `AuditEntryRow` order. */
export const ENTRY_COLUMNS =
  'ms, n, sequence, previous_hash, hash, layer, type, user_id, conversation_id, run_id, data_json';

/** The chain view of a stored row: exactly the stored text, for hashing. */
export function chainEntryOf(row: AuditEntryRow): AuditChainEntry {
  return {
    id: `${row.ms}-${row.n}`,
    sequence: Number(row.sequence),
    previousHash: row.previous_hash,
    hash: row.hash,
    layer: row.layer,
    type: row.type,
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    ...(row.conversation_id !== null ? { conversationId: row.conversation_id } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    dataJson: row.data_json,
  };
}

function parseData(dataJson: string): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(dataJson);
    return data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : { value: data };
  } catch {
    // A tampered row may hold anything; verify() reports it, reading must not fail on it.
    return { unparsable: dataJson };
  }
}

/** The public view of a stored row. */
export function auditEventOf(tenantId: string, row: AuditEntryRow): AuditEvent {
  return {
    id: `${row.ms}-${row.n}`,
    tenantId,
    sequence: Number(row.sequence),
    timestamp: Number(row.ms),
    layer: row.layer as AuditLayer,
    type: row.type as AuditEventType,
    ...(row.user_id !== null ? { userId: row.user_id } : {}),
    ...(row.conversation_id !== null ? { conversationId: row.conversation_id } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    data: parseData(row.data_json),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

/** The head of a tenant's chain from its row (genesis when it has none). */
export function headOf(tenantId: string, row: AuditHeadRow | undefined): AuditChainHead {
  const anchor = {
    sequence: Number(row?.anchor_sequence ?? 0),
    hash: row?.anchor_hash ?? auditGenesisHash(tenantId),
    ...(row?.anchor_id ? { id: row.anchor_id } : {}),
  };
  const hasEntries = row?.hash !== null && row?.hash !== undefined;
  return {
    tenantId,
    sequence: hasEntries ? Number(row.sequence) : anchor.sequence,
    hash: hasEntries ? row.hash! : anchor.hash,
    ...(row?.last_ms ? { lastId: `${row.last_ms}-${row.last_n ?? 0}` } : {}),
    anchor,
  };
}
