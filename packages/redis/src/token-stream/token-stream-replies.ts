import type { TokenStreamState } from '@tristack/core';
import type { StoredTokenStreamEntry, TokenStreamLiveness } from '@tristack/core/driver-kit';

/** Parses one raw stream entry `[id, [field, value, …]]` written by the append script. */
export function storedEntryOf(raw: unknown): StoredTokenStreamEntry {
  const [id, fields] = raw as [string, string[]];
  const entry: StoredTokenStreamEntry = { id: String(id), firstChunk: 0, chunks: [] };
  let terminal: string | undefined;
  let reason = '';
  let code = '';
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const value = String(fields[index + 1]);
    switch (String(fields[index])) {
      case 'c':
        entry.chunks.push(value);
        break;
      case 's':
        entry.firstChunk = Number(value);
        break;
      case 't':
        terminal = value;
        break;
      case 'r':
        reason = value;
        break;
      case 'k':
        code = value;
        break;
    }
  }
  if (terminal === 'end') entry.terminal = { kind: 'end' };
  else if (terminal === 'fail') entry.terminal = { kind: 'fail', reason, ...(code ? { code } : {}) };
  return entry;
}

/**
 * The entries of an XREAD reply for one stream: RESP2 `[[key, entries]]`, RESP3 `{key: entries}`
 * (a Map or an object, depending on the client's type mapping), or nil on timeout.
 */
export function entriesOfXread(reply: unknown): StoredTokenStreamEntry[] {
  if (reply === null || reply === undefined) return [];
  let entries: unknown;
  if (Array.isArray(reply)) entries = (reply[0] as [unknown, unknown] | undefined)?.[1];
  else if (reply instanceof Map) entries = reply.values().next().value;
  else entries = Object.values(reply as object)[0];
  return Array.isArray(entries) ? entries.map(storedEntryOf) : [];
}

/** The poll script's reply, or `undefined` for a missing stream. */
export function pollReplyOf(reply: unknown): {
  entries: StoredTokenStreamEntry[];
  liveness: TokenStreamLiveness | undefined;
} {
  if (!Array.isArray(reply)) return { entries: [], liveness: undefined };
  const [entries, state, idle, timeout, chunks, cancel, reason, code, traceparent] = reply as [
    unknown[],
    string,
    string,
    string,
    string,
    number,
    string,
    string,
    string | undefined,
  ];
  const idleMs = Number(idle);
  const heartbeatTimeoutMs = Number(timeout);
  const stored = state as Exclude<TokenStreamState, 'abandoned'>;
  return {
    entries: entries.map(storedEntryOf),
    liveness: {
      state: stored === 'open' && idleMs > heartbeatTimeoutMs ? 'abandoned' : stored,
      idleMs,
      heartbeatTimeoutMs,
      chunks: Number(chunks),
      cancelRequested: Number(cancel) === 1,
      ...(stored === 'failed' ? { failure: { reason, ...(code ? { code } : {}) } } : {}),
      ...(traceparent ? { traceparent: String(traceparent) } : {}),
    },
  };
}
