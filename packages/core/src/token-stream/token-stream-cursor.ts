import { z } from 'zod';

/**
 * A reader's cursor. Public ids are `<entry id>:<chunk index>`: the stored entry (a Redis Stream
 * id, `<ms>-<seq>`) that holds the chunk, and the chunk's index in the whole stream. The entry id
 * says where to resume; the chunk index finds the place inside a coalesced entry and detects
 * chunks that were trimmed away.
 */
export interface TokenStreamCursor {
  entryId: string;
  chunkIndex: number;
}

const ENTRY_ID = /^(\d{1,20})-(\d{1,20})$/;
const MAX_SEQUENCE = 18_446_744_073_709_551_615n;

/** zod schema of a public id, e.g. `1700000000000-0:42`. */
export const tokenStreamIdSchema = z
  .string()
  .max(64)
  .regex(/^\d{1,20}-\d{1,20}:\d{1,15}$/, 'must be an id from this stream, like 1700000000000-0:42');

export function formatTokenStreamId(entryId: string, chunkIndex: number): string {
  return `${entryId}:${chunkIndex}`;
}

/** Splits a public id validated by `tokenStreamIdSchema`. */
export function parseTokenStreamId(id: string): TokenStreamCursor {
  const separator = id.lastIndexOf(':');
  return { entryId: id.slice(0, separator), chunkIndex: Number(id.slice(separator + 1)) };
}

/**
 * The id just before `entryId`, so an exclusive "after" read (XREAD, `(` in XRANGE) returns
 * `entryId` itself: a resumed reader may need the rest of a coalesced entry.
 */
export function previousEntryId(entryId: string): string {
  const match = ENTRY_ID.exec(entryId);
  if (!match) throw new RangeError(`not a stream entry id: ${entryId}`);
  const milliseconds = BigInt(match[1]!);
  const sequence = BigInt(match[2]!);
  if (sequence > 0n) return `${milliseconds}-${sequence - 1n}`;
  if (milliseconds > 0n) return `${milliseconds - 1n}-${MAX_SEQUENCE}`;
  return '0-0';
}

/** Orders two entry ids: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  const byMs = BigInt(aMs) - BigInt(bMs);
  if (byMs !== 0n) return byMs < 0n ? -1 : 1;
  const bySeq = BigInt(aSeq) - BigInt(bSeq);
  return bySeq === 0n ? 0 : bySeq < 0n ? -1 : 1;
}
