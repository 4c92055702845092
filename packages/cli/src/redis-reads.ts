import { type RedisConnection, unescapeKeyPart } from '@tristack/core';
import { hashReplyToRecord, type RedisClientInput, toRedisConnection } from '@tristack/redis';
import { parseCount, type CliContext, type CliOption } from './command.js';

/** `--scan-limit`, shared by the commands that discover keys with SCAN. */
export const scanLimitOption: Record<'scan-limit', CliOption> = {
  'scan-limit': {
    type: 'string',
    value: 'n',
    description: 'stop discovering keys after this many matches (default 10000)',
  },
};

export interface ScannedKeys {
  keys: string[];
  /** True when `limit` keys matched and the scan stopped early. */
  truncated: boolean;
}

interface ClusterLike {
  masters: unknown[];
  nodeClient(node: unknown): Promise<{ sendCommand(args: string[]): Promise<unknown> }>;
}

function isCluster(client: RedisClientInput): client is RedisClientInput & ClusterLike {
  return Array.isArray((client as Partial<ClusterLike>).masters);
}

/** A glob that matches `text` literally (a deployment prefix may hold `*`, `?`, `[`). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Every key matching `pattern`, found with `SCAN … MATCH … COUNT 1000` on the server (on each
 * master of a cluster). Read-only and incremental, so it never blocks the server like `KEYS`;
 * it stops after `limit` matches. An inspection tool, not a hot path.
 */
export async function scanKeys(
  client: RedisClientInput,
  pattern: string,
  limit: number,
): Promise<ScannedKeys> {
  const nodes: { sendCommand(args: string[]): Promise<unknown> }[] = isCluster(client)
    ? await Promise.all(client.masters.map((master) => client.nodeClient(master)))
    : [{ sendCommand: (args) => toRedisConnection(client).sendCommand(args) }];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = (await node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [
        unknown,
        unknown[],
      ];
      cursor = String(next);
      for (const key of keys) {
        found.add(String(key));
        if (found.size >= limit) return { keys: [...found].sort(), truncated: true };
      }
    } while (cursor !== '0');
  }
  return { keys: [...found].sort(), truncated: false };
}

/** The matches of `pattern`, bounded by the command's `--scan-limit`. */
export async function scanForContext(context: CliContext, pattern: string): Promise<ScannedKeys> {
  const limit = parseCount(context.options['scan-limit'], 'scan-limit', 10_000);
  return scanKeys(await context.redis(), pattern, limit);
}

/** HGETALL and PTTL of one key (ttlMs undefined: no expiry; the key may have gone in between). */
export async function readHash(
  connection: RedisConnection,
  key: string,
): Promise<{ fields: Record<string, string>; ttlMs: number | undefined }> {
  const [fields, ttl] = await Promise.all([
    connection.sendCommand(['HGETALL', key], { key, readonly: true }),
    connection.sendCommand(['PTTL', key], { key, readonly: true }),
  ]);
  return { fields: hashReplyToRecord(fields), ttlMs: Number(ttl) >= 0 ? Number(ttl) : undefined };
}

/** The server's clock in ms: the drivers' scripts all use it, so times are compared with it. */
export async function serverTime(connection: RedisConnection): Promise<number> {
  const [seconds, micros] = (await connection.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** The ids of a key's `{a:b:c}` hash tag, unescaped (undefined: the key has no tag). */
export function hashTagIds(key: string): string[] | undefined {
  const start = key.indexOf('{');
  const end = key.indexOf('}', start);
  if (start < 0 || end < 0) return undefined;
  return key
    .slice(start + 1, end)
    .split(':')
    .map(unescapeKeyPart);
}
