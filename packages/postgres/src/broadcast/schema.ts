import type { PostgresSchemaPart } from '../internal/schema-part.js';

/**
 * The broadcast's table, version 1 (`s` is the quoted schema). NOTIFY carries at most 8000 bytes,
 * so a message too large to travel inline is written here and the notification carries its
 * sequence; listeners read it back. Unlogged: pub/sub stores nothing by contract, and a row lives
 * only until its listeners have read it (expiry 60 s, deleted by `sweepExpired`).
 */
function broadcastV1(s: string): string[] {
  return [
    `CREATE UNLOGGED TABLE ${s}.broadcast_messages (
      seq bigserial PRIMARY KEY,
      message text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE INDEX broadcast_messages_expires ON ${s}.broadcast_messages (expires_at)`,
  ];
}

export const broadcastSchema: PostgresSchemaPart = {
  primitive: 'broadcast',
  versions: [broadcastV1],
  expiring: [{ table: 'broadcast_messages', column: 'expires_at' }],
};
