/** The node-redis client (or cluster node) surface a snapshot needs. */
interface CommandSender {
  sendCommand(args: string[]): Promise<unknown>;
}

/** One key as a test compares it: its type, absolute expiry and full contents. */
export interface KeySnapshot {
  readonly type: string;
  /** PEXPIRETIME: ms since the epoch, or -1 without a TTL. Absolute, so it does not drift between two snapshots. */
  readonly expiresAt: number;
  readonly value: unknown;
}

/** Every matching key, sorted by name. */
export type KeysSnapshot = Record<string, KeySnapshot>;

async function valueOf(client: CommandSender, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return client.sendCommand(['GET', key]);
    case 'hash':
      return pairs((await client.sendCommand(['HGETALL', key])) as unknown);
    case 'set':
      return ((await client.sendCommand(['SMEMBERS', key])) as string[]).sort();
    case 'zset':
      return client.sendCommand(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
    case 'list':
      return client.sendCommand(['LRANGE', key, '0', '-1']);
    case 'stream':
      return client.sendCommand(['XRANGE', key, '-', '+']);
    default:
      // Vector sets and other module types: their serialized form changes whenever they do.
      return { dump: await client.sendCommand(['DUMP', key]) };
  }
}

/** HGETALL replies as a flat array (RESP2), a Map or a record (RESP3): a record sorted by field. */
function pairs(reply: unknown): Record<string, unknown> {
  const entries: [string, unknown][] = Array.isArray(reply)
    ? Array.from({ length: reply.length / 2 }, (_, index) => [String(reply[index * 2]), reply[index * 2 + 1]])
    : reply instanceof Map
      ? [...reply].map(([field, value]) => [String(field), value])
      : Object.entries((reply ?? {}) as Record<string, unknown>);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Dumps every key matching `pattern` (SCAN MATCH) with its type, absolute expiry and contents, so a
 * test can assert that a rejected call changed nothing:
 * `const before = await snapshotKeys(client, '*'); …; expect(await snapshotKeys(client, '*')).toEqual(before)`.
 */
export async function snapshotKeys(client: CommandSender, pattern = '*'): Promise<KeysSnapshot> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = (await client.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [
      string,
      string[],
    ];
    for (const key of found) keys.add(String(key));
    cursor = String(next);
  } while (cursor !== '0');
  const snapshot: KeysSnapshot = {};
  for (const key of [...keys].sort()) {
    const type = String(await client.sendCommand(['TYPE', key]));
    if (type === 'none') continue;
    snapshot[key] = {
      type,
      expiresAt: Number(await client.sendCommand(['PEXPIRETIME', key])),
      value: await valueOf(client, key, type),
    };
  }
  return snapshot;
}
