import type { AuditEvent, AuditEventType, AuditLayer } from '@tristack/core';
import type { AuditChainEntry } from '@tristack/core/driver-kit';

/** A stream entry as RESP returns it: [id, [field, value, …]]. */
export type RawStreamEntry = [string, string[]];

function fieldsOf(raw: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < raw.length; index += 2) fields.set(raw[index]!, raw[index + 1]!);
  return fields;
}

/** The chain view of a stored entry: exactly the stored text, for hashing. */
export function chainEntryOf([id, raw]: RawStreamEntry): AuditChainEntry {
  const fields = fieldsOf(raw);
  return {
    id,
    sequence: Number(fields.get('seq') ?? Number.NaN),
    previousHash: fields.get('prev') ?? '',
    hash: fields.get('hash') ?? '',
    layer: fields.get('layer') ?? '',
    type: fields.get('type') ?? '',
    userId: fields.get('user'),
    conversationId: fields.get('conversation'),
    runId: fields.get('run'),
    dataJson: fields.get('data') ?? '',
  };
}

function parseData(dataJson: string): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(dataJson);
    return data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : { value: data };
  } catch {
    // A tampered entry may hold anything; verify() reports it, reading must not fail on it.
    return { unparsable: dataJson };
  }
}

/** The public view of a stored entry. */
export function auditEventOf(tenantId: string, raw: RawStreamEntry): AuditEvent {
  const entry = chainEntryOf(raw);
  return {
    id: entry.id,
    tenantId,
    sequence: entry.sequence,
    timestamp: Number(entry.id.slice(0, entry.id.indexOf('-'))),
    layer: entry.layer as AuditLayer,
    type: entry.type as AuditEventType,
    ...(entry.userId !== undefined ? { userId: entry.userId } : {}),
    ...(entry.conversationId !== undefined ? { conversationId: entry.conversationId } : {}),
    ...(entry.runId !== undefined ? { runId: entry.runId } : {}),
    data: parseData(entry.dataJson),
    previousHash: entry.previousHash,
    hash: entry.hash,
  };
}
