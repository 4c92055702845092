import type { RedisClientInput } from '@tristack/redis';
import { displayUrl, maskCredentials, urlSecrets } from './mask-credentials.js';

export interface RedisTarget {
  /** One URL, or with `cluster` a comma-separated list of seed nodes. */
  url: string;
  cluster: boolean;
}

export interface ConnectedRedis {
  client: RedisClientInput;
  close(): Promise<void>;
}

/** The URLs of a target, split when it names cluster seeds. */
export function targetUrls(target: RedisTarget): string[] {
  return target.cluster ? target.url.split(',').map((url) => url.trim()) : [target.url];
}

/**
 * Why the target's URL cannot be used (not a URL, not `redis:` / `rediss:`), with its password
 * masked; undefined when it can.
 */
export function invalidRedisUrl(target: RedisTarget): string | undefined {
  for (const url of targetUrls(target)) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      return `not a valid URL: ${displayUrl(url)}`;
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:')
      return `expected a redis:// or rediss:// URL, got ${displayUrl(url)}`;
  }
  return undefined;
}

/**
 * Connects without retrying: an inspection tool should say at once that Redis is not there.
 * Failures never show the URL's password (`redis://user:***@host`), whatever the client says.
 */
export async function connectRedis(target: RedisTarget): Promise<ConnectedRedis> {
  const socket = { connectTimeout: 5_000, reconnectStrategy: false as const };
  const secrets = urlSecrets(target.url);
  const fail = (error: unknown): never => {
    const reason = maskCredentials((error as Error)?.message ?? String(error), secrets);
    // No `cause`: the client's error may carry the parsed options, password included.
    throw new Error(`cannot connect to ${maskCredentials(target.url, secrets)}: ${reason}`);
  };
  // Imported here, not at the top: `--help` and usage errors never load the client.
  const { createClient, createCluster } = await import('redis');
  let client: ReturnType<typeof createClient> | ReturnType<typeof createCluster>;
  try {
    client = target.cluster
      ? createCluster({ rootNodes: targetUrls(target).map((url) => ({ url })), defaults: { socket } })
      : createClient({ url: target.url, socket });
  } catch (error) {
    return fail(error);
  }
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await client.connect();
  } catch (error) {
    return fail(error ?? lastError);
  }
  return {
    client: client as unknown as RedisClientInput,
    close: async () => {
      try {
        await client.close();
      } catch {
        // Already gone.
      }
    },
  };
}
