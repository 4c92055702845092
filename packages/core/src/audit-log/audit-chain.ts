import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

/**
 * One link of a tenant's hash chain, as stored. `dataJson` is the exact stored JSON text, so
 * every driver (and the Redis Lua script, which has only SHA-1) hashes the same bytes.
 */
export interface AuditChainEntry {
  id: string;
  sequence: number;
  previousHash: string;
  hash: string;
  layer: string;
  type: string;
  userId?: string | undefined;
  conversationId?: string | undefined;
  runId?: string | undefined;
  dataJson: string;
}

/** Where a tenant's chain starts: the hash and sequence the first remaining entry links to. */
export interface AuditChainAnchor {
  sequence: number;
  hash: string;
  /** Id of the last trimmed entry; absent while nothing was trimmed. */
  id?: string;
}

/** The newest link of a tenant's chain, plus the anchor retention left behind. */
export interface AuditChainHead {
  tenantId: string;
  /** Sequence of the newest entry; 0 when the tenant has none. */
  sequence: number;
  /** Hash of the newest entry, or the genesis hash. */
  hash: string;
  lastId?: string;
  anchor: AuditChainAnchor;
}

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** The hash every tenant's chain starts from: binds the chain to its tenant. */
export function auditGenesisHash(tenantId: string): string {
  return sha1(`tristack:audit:genesis\n${tenantId}`);
}

/**
 * The bytes an entry's hash covers, newline-separated. Ids, layer and type never contain a
 * newline (they are validated), and the data JSON is last, so the encoding is unambiguous.
 */
export function auditEntryMaterial(entry: Omit<AuditChainEntry, 'hash'>): string {
  return [
    entry.previousHash,
    String(entry.sequence),
    entry.id,
    entry.layer,
    entry.type,
    entry.userId ?? '',
    entry.conversationId ?? '',
    entry.runId ?? '',
    entry.dataJson,
  ].join('\n');
}

export function hashAuditEntry(entry: Omit<AuditChainEntry, 'hash'>): string {
  return sha1(auditEntryMaterial(entry));
}

/** The chain entry of a stored event (re-serialises `data`; drivers keep the stored text instead). */
export function auditChainEntryOf(event: AuditEvent, dataJson = JSON.stringify(event.data)): AuditChainEntry {
  return {
    id: event.id,
    sequence: event.sequence,
    previousHash: event.previousHash,
    hash: event.hash,
    layer: event.layer,
    type: event.type,
    userId: event.userId,
    conversationId: event.conversationId,
    runId: event.runId,
    dataJson,
  };
}

export type AuditChainIssueKind =
  /** The entry's content no longer matches its hash, or its hash no longer matches its successor's link. */
  | 'edited'
  /** The entry is not part of the chain: its successor links past it. */
  | 'inserted'
  /** Entries are missing: the sequence jumps. */
  | 'deleted';

export interface AuditChainIssue {
  kind: AuditChainIssueKind;
  /** Stream id of the entry concerned; for `deleted`, the first entry after the gap (absent at the tail). */
  id?: string;
  /** Sequence of the entry concerned; for `deleted`, the first missing sequence. */
  sequence: number;
  /** For `deleted`: how many sequences are missing. */
  missing?: number;
  /** The last intact entry before the problem (absent at the start of the chain). */
  after?: { id?: string; sequence: number };
  message: string;
}

export interface AuditVerifyResult {
  tenantId: string;
  valid: boolean;
  /** Entries examined. */
  checked: number;
  issues: AuditChainIssue[];
  /** The head the store reports, checked against the last entry when the whole tail was read. */
  head: AuditChainHead;
}

interface Link {
  id?: string;
  sequence: number;
  hash: string;
}

/**
 * Walks a chain in order, one entry at a time with two entries of look-ahead (pages of any size
 * can be fed), and classifies each break:
 * - content changed, hash kept → `edited` at that entry;
 * - content changed and re-hashed → its successor's link breaks → `edited` at that entry;
 * - an entry the chain continues without (its successor links to the entry before it) → `inserted`,
 *   also when it was forged with a valid hash and link (the entry after decides which of the two
 *   claimants of one sequence is real);
 * - a sequence jump → `deleted`, with the missing range.
 */
export class AuditChainVerifier {
  readonly issues: AuditChainIssue[] = [];
  checked = 0;
  private last: Link;
  private readonly pending: AuditChainEntry[] = [];

  constructor(start: Link) {
    this.last = { ...start };
  }

  push(entry: AuditChainEntry): void {
    this.checked += 1;
    this.pending.push(entry);
    if (this.pending.length === 3) this.settle(this.pending.shift()!, this.pending[0], this.pending[1]);
  }

  /** Settles the remaining entries and, when the whole tail was read, compares with the stored head. */
  finish(head?: { sequence: number; hash: string }): AuditChainIssue[] {
    while (this.pending.length > 0) this.settle(this.pending.shift()!, this.pending[0], this.pending[1]);
    if (head && head.sequence > this.last.sequence) {
      this.issues.push({
        kind: 'deleted',
        sequence: this.last.sequence + 1,
        missing: head.sequence - this.last.sequence,
        after: this.after(),
        message: `entries ${this.last.sequence + 1}..${head.sequence} are missing at the end of the chain`,
      });
    } else if (head && head.sequence === this.last.sequence && head.hash !== this.last.hash) {
      this.issues.push({
        kind: 'edited',
        ...(this.last.id ? { id: this.last.id } : {}),
        sequence: this.last.sequence,
        message: `entry ${this.last.sequence} does not match the head hash`,
      });
    }
    return this.issues;
  }

  private after(): { id?: string; sequence: number } | undefined {
    return this.last.sequence > 0 || this.last.id
      ? { ...(this.last.id ? { id: this.last.id } : {}), sequence: this.last.sequence }
      : undefined;
  }

  private linksToLast(entry: AuditChainEntry): boolean {
    return entry.previousHash === this.last.hash && entry.sequence === this.last.sequence + 1;
  }

  private inserted(entry: AuditChainEntry): void {
    this.issues.push({
      kind: 'inserted',
      id: entry.id,
      sequence: entry.sequence,
      after: this.after(),
      message: `entry ${entry.id} (sequence ${entry.sequence}) is not part of the chain (inserted after sequence ${this.last.sequence})`,
    });
  }

  private settle(entry: AuditChainEntry, next?: AuditChainEntry, afterNext?: AuditChainEntry): void {
    const selfValid = hashAuditEntry(entry) === entry.hash;
    if (selfValid && this.linksToLast(entry)) {
      // A forged twin follows (same link and sequence) and the chain goes on from the twin:
      // this entry is the forgery placed before the real one.
      const twin =
        next &&
        next.previousHash === entry.previousHash &&
        next.sequence === entry.sequence &&
        afterNext?.previousHash === next.hash &&
        afterNext.previousHash !== entry.hash;
      if (twin) return this.inserted(entry);
      this.last = { id: entry.id, sequence: entry.sequence, hash: entry.hash };
      return;
    }
    // The chain continues from the entry before this one, without it.
    if (next && this.linksToLast(next)) return this.inserted(entry);
    if (entry.sequence <= this.last.sequence) return this.inserted(entry);
    if (entry.sequence > this.last.sequence + 1) {
      const missing = entry.sequence - this.last.sequence - 1;
      this.issues.push({
        kind: 'deleted',
        id: entry.id,
        sequence: this.last.sequence + 1,
        missing,
        after: this.after(),
        message: `${missing} entr${missing === 1 ? 'y is' : 'ies are'} missing before ${entry.id} (sequence ${this.last.sequence + 1}${missing > 1 ? `..${entry.sequence - 1}` : ''})`,
      });
    } else if (entry.previousHash !== this.last.hash && selfValid) {
      // In order and self-consistent, but the predecessor's hash changed: it was edited and
      // re-hashed (or, for the first entry, the anchor does not match).
      this.issues.push({
        kind: 'edited',
        ...(this.last.id ? { id: this.last.id } : { id: entry.id }),
        sequence: this.last.id ? this.last.sequence : entry.sequence,
        message: this.last.id
          ? `entry ${this.last.sequence} no longer matches the hash its successor ${entry.id} committed to`
          : `entry ${entry.id} does not link to the chain's anchor`,
      });
    }
    if (!selfValid) {
      this.issues.push({
        kind: 'edited',
        id: entry.id,
        sequence: entry.sequence,
        after: this.after(),
        message: `entry ${entry.id} (sequence ${entry.sequence}) does not match its hash`,
      });
    }
    this.last = { id: entry.id, sequence: entry.sequence, hash: entry.hash };
  }
}
