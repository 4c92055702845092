import { decodeKeyPart, type Discovery, type DiscoveryOptions } from '@tristack/core';
import { DEFAULT_DISCOVERY_LIMIT } from '@tristack/core/driver-kit';
import { clusterOf, toRedisConnection, type RedisClientInput } from './connection.js';

interface ScanNode {
  sendCommand(args: string[]): Promise<unknown>;
}

interface ClusterWithNodes {
  masters: unknown[];
  nodeClient(node: unknown): Promise<ScanNode> | ScanNode;
}

function clusterBehind(client: RedisClientInput): ClusterWithNodes | undefined {
  const cluster = ((client as { [clusterOf]?: unknown })[clusterOf] ?? client) as Partial<ClusterWithNodes>;
  return Array.isArray(cluster.masters) && typeof cluster.nodeClient === 'function'
    ? (cluster as ClusterWithNodes)
    : undefined;
}

/** A glob that matches `text` literally (a deployment prefix may hold `*`, `?`, `[`). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Every key matching `pattern`, found with `SCAN … MATCH … COUNT 1000` on the server, or on each
 * master of a cluster (a node-redis cluster, or a connection adapted from one). Read-only and
 * incremental, so it never blocks the server like `KEYS`; it stops after `limit` matches.
 * Inspection only, never a hot path.
 */
export async function scanKeys(
  client: RedisClientInput,
  pattern: string,
  limit: number = DEFAULT_DISCOVERY_LIMIT,
): Promise<{ keys: string[]; truncated: boolean }> {
  const cluster = clusterBehind(client);
  const connection = cluster ? undefined : toRedisConnection(client);
  const nodes: ScanNode[] = cluster
    ? await Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)))
    : [{ sendCommand: (args) => connection!.sendCommand(args) }];
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

/** A key the drivers wrote as `<prefix>:<primitive>:{<id>:<id>…}[:<tail>]`, read back. */
export interface TaggedKey {
  /** The ids of the hash tag, decoded. */
  ids: string[];
  /** What follows the tag (`stats`, `index:…`), without the `:`; empty when nothing does. */
  tail: string;
}

/**
 * Reads a key `redisKey` built: the tag's ids decoded with `decodeKeyPart`, its strict inverse.
 * Undefined when the key is not of that form or a part is not one `encodeKeyPart` could have
 * written (a foreign or tampered key): the caller reports that key as undecodable and goes on,
 * so one crafted key never hides the rest.
 */
export function parseTaggedKey(key: string, prefix: string, primitive: string): TaggedKey | undefined {
  const head = `${prefix}:${primitive}:`;
  if (!key.startsWith(`${head}{`)) return undefined;
  const end = key.indexOf('}', head.length + 1);
  if (end < 0) return undefined;
  const rest = key.slice(end + 1);
  if (rest !== '' && !rest.startsWith(':')) return undefined;
  try {
    const ids = key
      .slice(head.length + 1, end)
      .split(':')
      .map(decodeKeyPart);
    return { ids, tail: rest.slice(1) };
  } catch {
    return undefined;
  }
}

/**
 * Discovers the owners of one primitive's keys: SCANs `<prefix>:<primitive>:{<tag>}<suffix>`
 * and decodes each match with `decode` (undefined: undecodable, reported as such).
 */
export async function discoverTaggedKeys<Found>(
  client: RedisClientInput,
  target: { prefix: string; primitive: string; tag?: string; suffix: string },
  decode: (key: TaggedKey) => Found | undefined,
  options: DiscoveryOptions = {},
): Promise<Discovery<Found> & { keys: Map<Found, string[]> }> {
  const { prefix, primitive, tag = '*', suffix } = target;
  const pattern = `${globEscape(`${prefix}:${primitive}:`)}{${tag}}${suffix}`;
  const { keys, truncated } = await scanKeys(client, pattern, options.limit ?? DEFAULT_DISCOVERY_LIMIT);
  const byFound = new Map<Found, string[]>();
  const undecodable: string[] = [];
  for (const key of keys) {
    const parsed = parseTaggedKey(key, prefix, primitive);
    const found = parsed && decode(parsed);
    if (found === undefined) {
      undecodable.push(key);
      continue;
    }
    byFound.set(found, [...(byFound.get(found) ?? []), key]);
  }
  return { found: [...byFound.keys()], undecodable, truncated, keys: byFound };
}

/**
 * The owners of one primitive that each have a `<prefix>:<primitive>:{<owner>}:<tail>` key, sorted:
 * how the inspectors list breakers (`state`), queues (`counts`) and audit tenants (`head`).
 */
export async function discoverOwners(
  client: RedisClientInput,
  target: { prefix: string; primitive: string; tail: string },
  options?: DiscoveryOptions,
): Promise<Discovery<string>> {
  const { prefix, primitive, tail } = target;
  const { found, undecodable, truncated } = await discoverTaggedKeys(
    client,
    { prefix, primitive, suffix: `:${tail}` },
    (key) => (key.ids.length === 1 && key.tail === tail ? key.ids[0] : undefined),
    options,
  );
  return { found: found.sort(), undecodable, truncated };
}
